// The `wrtc` object handed to simple-peer (through y-webrtc's `peerOpts`): the platform's WebRTC
// classes, except that every data channel comes back wrapped in a ChunkedChannel. This is how
// messages of any size cross, and how every peer message is checked before y-webrtc reads it.
import { ChunkedChannel, type ChannelHooks, type RawChannel } from './chunked-channel';

export interface WebRtcClasses {
	RTCPeerConnection: typeof RTCPeerConnection;
	RTCSessionDescription: typeof RTCSessionDescription;
	RTCIceCandidate: typeof RTCIceCandidate;
}

type DataChannelHandler = ((event: { channel: unknown }) => void) | null;

export function chunkedWebRtc(base: WebRtcClasses, hooks: () => ChannelHooks): WebRtcClasses {
	const wrap = (channel: RTCDataChannel, pc: RTCPeerConnection) =>
		new ChunkedChannel(channel as unknown as RawChannel, {
			...hooks(),
			maxMessageSize: () => pc.sctp?.maxMessageSize
		});

	class ChunkedPeerConnection extends base.RTCPeerConnection {
		#handler: DataChannelHandler = null;

		/**
		 * Some implementations (Node's @roamhq/wrtc) keep `ondatachannel` as a plain, fixed
		 * property of the instance, which hides the accessors below, and deliver the event through
		 * `dispatchEvent`: wrap the channel there. (Browsers dispatch natively, never through it.)
		 */
		override dispatchEvent(event: Event): boolean {
			const channel = (event as Partial<RTCDataChannelEvent>).channel;
			if (event.type !== 'datachannel' || channel === undefined || this.#handler !== null) {
				return super.dispatchEvent(event);
			}
			return super.dispatchEvent({
				type: 'datachannel',
				target: this,
				channel: wrap(channel, this)
			} as unknown as Event);
		}

		// reason: simple-peer only ever reads the channel through the shape ChunkedChannel has.
		override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
			return wrap(super.createDataChannel(label, init), this) as unknown as RTCDataChannel;
		}

		// The handler receives a wrapped channel, not the platform's own.
		override get ondatachannel(): DataChannelHandler {
			return this.#handler;
		}

		override set ondatachannel(handler: DataChannelHandler) {
			this.#handler = handler;
			super.ondatachannel =
				handler === null
					? null
					: (event: RTCDataChannelEvent) => handler({ channel: wrap(event.channel, this) });
		}
	}

	return {
		RTCPeerConnection: ChunkedPeerConnection,
		RTCSessionDescription: base.RTCSessionDescription,
		RTCIceCandidate: base.RTCIceCandidate
	};
}
