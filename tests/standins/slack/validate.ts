/**
 * What Slack refuses, checked as strictly as Slack does: `invalid_blocks` (over 50 blocks, a header over 150, section
 * text over 3000, more than 10 fields or a field over 2000, empty texts, over 25 actions, a button text over 75,
 * action_id over 255, value over 2000, duplicate action ids), `msg_too_long` (text over 40,000) and `no_text`.
 * The stand-in answers with the first problem found, and the detail goes to the call record.
 */
export interface Problem {
  error: 'invalid_blocks' | 'msg_too_long' | 'no_text' | 'invalid_arguments';
  detail: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(v: unknown, where: string, max: number, plainOnly = false): string | null {
  if (!isObj(v)) return `${where}: a text object is required`;
  if (v.type !== 'plain_text' && (plainOnly || v.type !== 'mrkdwn')) return `${where}: type must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}`;
  if (typeof v.text !== 'string' || v.text.length === 0) return `${where}: text must not be empty`;
  if (v.text.length > max) return `${where}: text is ${v.text.length} characters, at most ${max}`;
  return null;
}

function validateBlock(block: unknown, i: number, actionIds: Set<string>): string | null {
  const at = `blocks[${i}]`;
  if (!isObj(block)) return `${at}: not an object`;
  switch (block.type) {
    case 'header':
      return textObject(block.text, `${at}.text`, 150, true);
    case 'section': {
      if (block.text === undefined && block.fields === undefined) return `${at}: needs text or fields`;
      if (block.text !== undefined) {
        const p = textObject(block.text, `${at}.text`, 3000);
        if (p) return p;
      }
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > 10) return `${at}.fields: 1 to 10 fields`;
        for (const [j, f] of block.fields.entries()) {
          const p = textObject(f, `${at}.fields[${j}]`, 2000);
          if (p) return p;
        }
      }
      return null;
    }
    case 'context': {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) return `${at}.elements: 1 to 10 elements`;
      for (const [j, e] of block.elements.entries()) {
        const p = isObj(e) && e.type === 'image' ? null : textObject(e, `${at}.elements[${j}]`, 3000);
        if (p) return p;
      }
      return null;
    }
    case 'image': {
      if (typeof block.image_url !== 'string' || !/^https?:\/\//.test(block.image_url) || block.image_url.length > 3000) return `${at}.image_url: an http(s) URL up to 3000 characters`;
      if (typeof block.alt_text !== 'string' || block.alt_text.length === 0 || block.alt_text.length > 2000) return `${at}.alt_text: 1 to 2000 characters`;
      return null;
    }
    case 'actions': {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) return `${at}.elements: 1 to 25 elements`;
      for (const [j, e] of block.elements.entries()) {
        const where = `${at}.elements[${j}]`;
        if (!isObj(e) || e.type !== 'button') return `${where}: only buttons are expected here`;
        const p = textObject(e.text, `${where}.text`, 75, true);
        if (p) return p;
        if (typeof e.action_id !== 'string' || e.action_id.length === 0 || e.action_id.length > 255) return `${where}.action_id: 1 to 255 characters`;
        if (actionIds.has(e.action_id)) return `${where}.action_id: duplicate ${e.action_id}`;
        actionIds.add(e.action_id);
        if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > 2000)) return `${where}.value: at most 2000 characters`;
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') return `${where}.style: primary or danger`;
      }
      return null;
    }
    case 'divider':
      return null;
    default:
      return `${at}: unknown block type ${String(block.type)}`;
  }
}

export function validateBlocks(blocks: unknown): Problem | null {
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks', detail: 'blocks must be an array' };
  if (blocks.length > 50) return { error: 'invalid_blocks', detail: `${blocks.length} blocks, at most 50` };
  const actionIds = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const p = validateBlock(b, i, actionIds);
    if (p) return { error: 'invalid_blocks', detail: p };
  }
  return null;
}

/** A message as chat.postMessage / chat.update / response_url take it. The fallback text is required here. */
export function validateMessage(body: { text?: unknown; blocks?: unknown }): Problem | null {
  const text = typeof body.text === 'string' ? body.text : '';
  if (text.length > 40_000) return { error: 'msg_too_long', detail: `text is ${text.length} characters, at most 40,000` };
  const blocks = validateBlocks(body.blocks);
  if (blocks) return blocks;
  if (!text.trim()) return { error: 'no_text', detail: 'text is empty (the fallback for notifications must be set)' };
  return null;
}
