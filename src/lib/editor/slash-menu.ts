// The slash menu: a filterable list of blocks; arrows move, Enter inserts, Escape closes.
// Rendered as a plain listbox so screen readers announce the active option. Tiptap's suggestion
// plugin (with Floating UI) runs it; this file is loaded once "/" is typed at the start of a
// word (slash-trigger.ts stands in for it until then).
import type { Editor } from '@tiptap/core';
import type { Plugin, PluginKey } from '@tiptap/pm/state';
import Suggestion, { type SuggestionProps } from '@tiptap/suggestion';
import { matchBlocks, type BlockCommand } from './blocks';

/** The menu's plugin, under `key`; a chosen block replaces the "/query" and `onBlock` inserts it. */
export function slashSuggestion(
	editor: Editor,
	key: PluginKey,
	onBlock: (id: string) => void
): Plugin {
	return Suggestion<BlockCommand, BlockCommand>({
		editor,
		pluginKey: key,
		char: '/',
		allowedPrefixes: [' ', '\u00a0'],
		items: ({ query }) => matchBlocks(query),
		command: ({ editor, range, props }) => {
			editor.chain().focus().deleteRange(range).run();
			onBlock(props.id);
		},
		render: () => new MenuView()
	});
}

class MenuView {
	#root: HTMLElement | null = null;
	#unmount: (() => void) | null = null;
	#props: SuggestionProps<BlockCommand, BlockCommand> | null = null;
	#active = 0;

	onStart = (props: SuggestionProps<BlockCommand, BlockCommand>) => {
		this.#root = document.createElement('div');
		this.#root.className = 'slash-menu';
		this.#root.setAttribute('role', 'listbox');
		this.#root.setAttribute('aria-label', 'Insert block');
		this.#root.id = 'slash-menu';
		document.body.append(this.#root);
		this.#unmount = props.mount(this.#root);
		this.onUpdate(props);
	};

	onUpdate = (props: SuggestionProps<BlockCommand, BlockCommand>) => {
		this.#props = props;
		this.#active = Math.min(this.#active, Math.max(0, props.items.length - 1));
		this.#render();
	};

	onKeyDown = ({ event }: { event: KeyboardEvent }): boolean => {
		const items = this.#props?.items ?? [];
		if (event.key === 'Escape') {
			this.onExit();
			return true;
		}
		if (items.length === 0) return false;
		if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
			const step = event.key === 'ArrowDown' ? 1 : -1;
			this.#active = (this.#active + step + items.length) % items.length;
			this.#render();
			return true;
		}
		if (event.key === 'Enter' || event.key === 'Tab') {
			const item = items[this.#active];
			if (item) this.#props?.command(item);
			return true;
		}
		return false;
	};

	onExit = () => {
		this.#unmount?.();
		this.#root?.remove();
		this.#root = null;
		this.#unmount = null;
		this.#active = 0;
	};

	#render() {
		const root = this.#root;
		const props = this.#props;
		if (!root || !props) return;
		root.replaceChildren();
		if (props.items.length === 0) {
			const empty = document.createElement('div');
			empty.className = 'slash-empty';
			empty.textContent = 'No matching block';
			root.append(empty);
			return;
		}
		props.items.forEach((item, index) => {
			const option = document.createElement('button');
			option.type = 'button';
			option.className = 'slash-item';
			option.setAttribute('role', 'option');
			option.setAttribute('aria-selected', String(index === this.#active));
			option.tabIndex = -1;
			const label = document.createElement('span');
			label.className = 'slash-label';
			label.textContent = item.label;
			const hint = document.createElement('span');
			hint.className = 'slash-hint';
			hint.textContent = item.hint;
			option.append(label, hint);
			option.addEventListener('mousedown', (event) => {
				event.preventDefault();
				props.command(item);
			});
			root.append(option);
		});
	}
}
