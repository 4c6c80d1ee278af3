// Opening a link from an editor that can be typed in: a plain click there places the cursor (the
// browser follows no link inside editable content), so Ctrl+click (⌘-click on a Mac), or a
// middle click, opens the link in a new tab, as in other editors. Alt+Enter opens the link at
// the cursor, for the keyboard. Only an address content-policy.ts allows is ever opened.
import { Extension } from '@tiptap/core';
import type { Mark, ResolvedPos } from '@tiptap/pm/model';
import { Plugin } from '@tiptap/pm/state';
import { safeHref } from './content-policy';

const linkAt = ($pos: ResolvedPos): Mark | undefined =>
	[...$pos.marks(), ...($pos.nodeAfter?.marks ?? [])].find((mark) => mark.type.name === 'link');

function open(mark: Mark | undefined): boolean {
	const href = mark === undefined ? null : safeHref(mark.attrs.href);
	if (href === null) return false;
	window.open(href, '_blank', 'noopener,noreferrer');
	return true;
}

export const LinkOpener = Extension.create({
	name: 'linkOpener',
	addKeyboardShortcuts() {
		return {
			'Alt-Enter': ({ editor }) => open(linkAt(editor.state.selection.$head))
		};
	},
	addProseMirrorPlugins() {
		const opens = (event: MouseEvent) => event.button === 1 || event.ctrlKey || event.metaKey;
		return [
			new Plugin({
				props: {
					// Where nothing can be typed the browser follows links itself.
					handleClick(view, pos, event) {
						if (!view.editable || !opens(event)) return false;
						return open(linkAt(view.state.doc.resolve(pos)));
					},
					handleDOMEvents: {
						// A middle click reaches no click handler; it is an auxclick.
						auxclick(view, event) {
							if (!view.editable || event.button !== 1) return false;
							const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
							if (at === null || !open(linkAt(view.state.doc.resolve(at.pos)))) return false;
							event.preventDefault();
							return true;
						}
					}
				}
			})
		];
	}
});
