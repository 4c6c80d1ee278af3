// Review 9: the page title's textarea turns line breaks into one space as they come in, and puts
// the caret back at the offset it had in the text *before* that (page-view.svelte oninput). When
// the text shrinks (a blank line, or CR LF as Windows pastes it), the caret lands past where the
// paste ended, and what is typed next goes in the wrong place.
import { expect, test } from '@playwright/test';
import { createSpace, titleInput } from './helpers';

test('typing after pasting two lines into the middle of a title goes where the caret was', async ({
	page
}) => {
	await createSpace(page, 'Caret');
	await expect(titleInput(page)).toBeFocused();
	await page.keyboard.type('Hello world');
	// The caret after "Hello".
	await titleInput(page).evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(5, 5));
	// What a paste of "big\r\nnew" (Windows line end) or "big\n\nnew" inserts.
	await page.keyboard.insertText(' big\n\nnew');
	await page.keyboard.type('er');
	await expect(titleInput(page)).toHaveValue('Hello big newer world');
});
