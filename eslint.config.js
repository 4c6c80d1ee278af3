import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const ROOMS_FROM_LIB = (room) => [`../${room}`, `../${room}/*`, `$lib/${room}`, `$lib/${room}/*`];
const rooms = (names) => names.flatMap(ROOMS_FROM_LIB);

/** A room of src/lib may not import the rooms named. */
function layer(files, name, forbidden) {
	return [
		{
			files: [files],
			rules: {
				'no-restricted-imports': [
					'error',
					{
						patterns: [
							{
								group: rooms(forbidden),
								message: `${name}/ may not import this room (DESIGN.md §5: imports flow downwards only).`
							}
						]
					}
				]
			}
		}
	];
}

export default ts.config(
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } }
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		rules: {
			'no-empty': ['error', { allowEmptyCatch: false }],
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
			// Links inside the app use query strings on prerendered routes; resolve() adds nothing.
			'svelte/no-navigation-without-resolve': 'off'
		}
	},
	// Layering (DESIGN.md §5), in lint so a sideways import fails `npm test`: imports flow down.
	...layer('src/lib/crypto/**', 'crypto', [
		'doc',
		'log',
		'storage',
		'sync',
		'session',
		'editor',
		'export'
	]),
	...layer('src/lib/doc/**', 'doc', [
		'crypto',
		'log',
		'storage',
		'sync',
		'session',
		'editor',
		'export'
	]),
	...layer('src/lib/log/**', 'log', ['doc', 'storage', 'sync', 'session', 'editor', 'export']),
	...layer('src/lib/storage/**', 'storage', ['doc', 'log', 'sync', 'session', 'editor', 'export']),
	...layer('src/lib/sync/**', 'sync', ['doc', 'storage', 'session', 'editor', 'export']),
	...layer('src/lib/editor/**', 'editor', ['crypto', 'log', 'storage', 'sync', 'session']),
	...layer('src/lib/export/**', 'export', ['crypto', 'log', 'storage', 'sync', 'session']),
	{
		// The UI talks to a session (and to its own components); Yjs, the editor, crypto, storage
		// and the network stay below it.
		files: ['src/routes/**', 'src/lib/components/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['yjs', 'y-*', '@tiptap/*', 'prosemirror-*', 'lib0', 'lib0/*'],
							message: 'UI talks to a session; Yjs and the editor stay below it (DESIGN.md §5).'
						},
						{
							group: rooms(['crypto', 'doc', 'log', 'storage', 'sync', 'editor', 'export']),
							message:
								'UI imports only session/ and components/ (DESIGN.md §5): reach this through the session.'
						}
					]
				}
			]
		}
	},
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'node_modules/',
			'test-results/',
			'test-reports/',
			'playwright-report/',
			'bench/results/',
			'build-server/',
			'data/',
			'.tmp/'
		]
	}
);
