// The Chromium flags that work on this project's machines (see DEVELOPERS brief).
export const chromiumArgs = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--no-first-run',
	'--disable-sync',
	// WebRTC between browser contexts on one machine: gather loopback candidates and show real
	// addresses instead of mDNS names (nothing resolves .local names here).
	'--allow-loopback-in-peer-connection',
	'--disable-features=WebRtcHideLocalIpsWithMdns'
];
