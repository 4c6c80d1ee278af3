// A static, client-only app: every route is prerendered as an empty shell and rendered in the
// browser, where the data lives (IndexedDB). There is no server to render anything.
export const ssr = false;
export const prerender = true;
export const trailingSlash = 'always';
