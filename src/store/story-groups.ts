/**
 * Briefings on both backends: joins the groups the headlines and links show (groupDuplicates) whose articles the
 * alerts pipeline recorded as one story (`storyOf`: article id → story id). The lower index is the better-placed
 * article (priority, then newest): it leads the merged story.
 */
export function mergeRecordedStories(articles: Array<{ id: string }>, groups: Map<number, number[]>, storyOf: Map<string, string>): Map<number, number[]> {
  if (storyOf.size === 0 || groups.size < 2) return groups;
  const groupOfStory = new Map<string, number>();
  const parent = new Map<number, number>([...groups.keys()].map((root) => [root, root]));
  const find = (r: number): number => {
    let x = r;
    while (parent.get(x) !== x) x = parent.get(x)!;
    parent.set(r, x);
    return x;
  };
  for (const [root, members] of groups) {
    for (const i of members) {
      const story = storyOf.get(articles[i].id);
      if (!story) continue;
      const other = groupOfStory.get(story);
      if (other === undefined) groupOfStory.set(story, root);
      else {
        const [a, b] = [find(other), find(root)];
        if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
      }
    }
  }
  const merged = new Map<number, number[]>();
  for (const [root, members] of groups) {
    const top = find(root);
    merged.set(top, [...(merged.get(top) ?? []), ...members]);
  }
  return new Map([...merged].sort((a, b) => a[0] - b[0]));
}
