// Preloaded (`node --import`) into servers we do not control, such as y-webrtc's bin/server.js,
// which listens on every interface: every test server binds 127.0.0.1 only.
import http from 'node:http';

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
	if (typeof port === 'number' || typeof port === 'string') {
		const callback = rest.find((arg) => typeof arg === 'function');
		return listen.call(this, Number(port), '127.0.0.1', callback);
	}
	return listen.call(this, port, ...rest);
};
