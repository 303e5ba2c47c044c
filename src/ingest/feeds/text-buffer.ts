/**
 * Text gathered from many small pieces (a tokenizer's text runs and decoded entities). `+=` over a million
 * pieces builds a rope that V8 flattens in one long pause the first time it is read; joining in groups keeps
 * every step small.
 */
export class TextBuffer {
  private pieces: string[] = [];
  private groups: string[] = [];
  length = 0;

  add(text: string): void {
    if (!text) return;
    this.pieces.push(text);
    this.length += text.length;
    if (this.pieces.length >= 1024) {
      this.groups.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  toString(): string {
    if (this.pieces.length) {
      this.groups.push(this.pieces.join(''));
      this.pieces = [];
    }
    if (this.groups.length > 1) this.groups = [this.groups.join('')];
    return this.groups[0] ?? '';
  }
}
