/**
 * Slack escapes what users type in slash commands ("Escape channels, users, and links" in the manifest):
 * `<#C1|general>`, `<@U1|ana>`, `<https://x|x>`, `<!here>`, and `&amp; &lt; &gt;`. The core's text parser wants
 * what the user meant, so the adapter decodes it before dispatch. Channels become channel references of the
 * invoking workspace, so `/alerts subscribe <#C1|breaking>` names `slack:<team>/C1`.
 */
export function decodeCommandText(text: string, teamId: string): string {
  return text
    .replace(/<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => `slack:${teamId}/${id}`)
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => label || `@${id}`)
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    // &amp; last, so "&amp;lt;" (a user who typed "&lt;") stays "&lt;".
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
