/** A raw request URL split into its path (what routes a function) and its query string. */
export function splitUrl(rawUrl: string | undefined): { rawUrl: string; path: string; query: string } {
  const url = rawUrl ?? '/';
  const at = url.indexOf('?');
  return at < 0
    ? { rawUrl: url, path: url, query: '' }
    : { rawUrl: url, path: url.slice(0, at), query: url.slice(at + 1) };
}
