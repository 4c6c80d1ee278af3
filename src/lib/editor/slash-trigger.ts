// The slash menu's place in the editor. The menu itself (slash-menu.ts: Tiptap's suggestion
// plugin, Floating UI, the list) is loaded the first time "/" is typed at the start of a word;
// until then this plugin stands where it will be, under its key and with its state's shape,
// and hands it the state, the keys, the decorations and the view once it is in. The keys the
// menu answers (Enter, Tab, arrows, Escape) pressed while it loads are held, then handed over.
import { Extension, type Editor } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type PluginView } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';

type Menu = typeof import('./slash-menu');

let loading: Promise<Menu> | null = null;
let loaded: Menu | null = null;

function loadMenu(): Promise<Menu> {
	loading ??= import('./slash-menu').then(
		(module) => (loaded = module),
		(error: unknown) => {
			loading = null;
			throw error;
		}
	);
	return loading;
}

const key = new PluginKey('slash-menu');

/** The suggestion plugin's state before anything was typed (its own `init`). */
const IDLE = {
	active: false,
	range: { from: 0, to: 0 },
	query: null,
	text: null,
	composing: false,
	dismissedRange: null
};

const MENU_KEYS = new Set(['Enter', 'Tab', 'ArrowUp', 'ArrowDown', 'Escape', 'Esc']);

/** "/" at the start of a word (or after a no-break space), then no space, up to the cursor. */
export function typedSlash(state: EditorState): boolean {
	const { selection } = state;
	const before = selection.$from.nodeBefore;
	return (
		selection.empty &&
		before?.isText === true &&
		/(?:^|[ \u00a0])\/[^\s/]*$/.test(before.text ?? '')
	);
}

export interface SlashMenuOptions {
	/** Inserts the block the person chose (its id in blocks.ts). */
	onBlock(id: string): void;
}

export const SlashMenu = Extension.create<SlashMenuOptions>({
	name: 'slashMenu',
	addOptions() {
		return { onBlock: () => {} };
	},
	addProseMirrorPlugins() {
		return [slashPlugin(this.editor, this.options.onBlock)];
	}
});

function slashPlugin(editor: Editor, onBlock: (id: string) => void): Plugin {
	const make = (menu: Menu) => menu.slashSuggestion(editor, key, onBlock);
	let inner: Plugin | null = loaded === null ? null : make(loaded);
	let innerView: PluginView | null = null;
	let view: EditorView | null = null;
	/** From the first "/" until the menu is in and has the keys held meanwhile. */
	let waiting = false;
	const held: KeyboardEvent[] = [];

	function load() {
		waiting = true;
		loadMenu().then(
			(menu) => {
				if (view === null || editor.isDestroyed) return;
				inner = make(menu);
				// A transaction that changes nothing: the menu's state sees the "/" now.
				view.dispatch(view.state.tr);
				// The menu fetches its items in a promise; the held keys go once it has them.
				setTimeout(() => {
					waiting = false;
					const target = view;
					if (target === null) return;
					for (const event of held.splice(0))
						target.someProp('handleKeyDown', (handle) => handle(target, event));
				});
			},
			(error: unknown) => {
				waiting = false;
				held.length = 0;
				console.error('The slash menu could not be loaded', error);
			}
		);
	}

	return new Plugin({
		key,
		state: {
			init: (config, state) => (inner?.spec.state ? inner.spec.state.init(config, state) : IDLE),
			apply: (tr, value, old, state) =>
				inner?.spec.state ? inner.spec.state.apply(tr, value, old, state) : value
		},
		props: {
			handleKeyDown(target, event) {
				if (waiting && MENU_KEYS.has(event.key) && typedSlash(target.state)) {
					held.push(event);
					return true;
				}
				return inner?.props.handleKeyDown?.call(inner, target, event) ?? false;
			},
			decorations(state) {
				return inner?.props.decorations?.call(inner, state);
			}
		},
		view(editorView) {
			view = editorView;
			return {
				update(target, prev) {
					if (inner) {
						innerView ??= inner.spec.view?.(target) ?? {};
						innerView.update?.(target, prev);
					} else if (!waiting && target.editable && target.state.doc !== prev.doc) {
						if (typedSlash(target.state)) load();
					}
				},
				destroy() {
					innerView?.destroy?.();
					view = null;
				}
			};
		}
	});
}
