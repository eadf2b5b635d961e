/**
 * The subset of ARI's data model the service uses, as Asterisk 22 sends it. Fields Asterisk may omit are
 * optional; events are validated loosely at the router (type and ids), so an unexpected shape is logged,
 * not trusted.
 */

export type ChannelState =
  | 'Down'
  | 'Rsrved'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface CallerId {
  name: string;
  number: string;
}

export interface DialplanCep {
  context: string;
  exten: string;
  priority: number;
  app_name?: string;
  app_data?: string;
}

export interface Channel {
  id: string;
  name: string;
  state: ChannelState;
  caller: CallerId;
  connected: CallerId;
  accountcode?: string;
  dialplan?: DialplanCep;
  creationtime: string;
  language?: string;
  channelvars?: Record<string, string>;
}

/** An endpoint as ARI shows it; a registering endpoint is 'online' while it has a contact. */
export interface Endpoint {
  technology: string;
  resource: string;
  state?: 'unknown' | 'offline' | 'online';
  channel_ids: string[];
}

export interface Bridge {
  id: string;
  technology: string;
  bridge_type: 'mixing' | 'holding';
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime?: string;
}

export interface Playback {
  id: string;
  media_uri: string;
  target_uri: string;
  language?: string;
  state: 'queued' | 'playing' | 'paused' | 'continuing' | 'done' | 'failed';
}

export interface LiveRecording {
  name: string;
  format: string;
  target_uri: string;
  state: 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

export interface StoredRecording {
  name: string;
  format: string;
}

export interface Application {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
}

export interface AsteriskInfo {
  system?: { version: string; entity_id: string };
}

/** Fields every ARI event carries. */
interface EventBase {
  type: string;
  application: string;
  timestamp: string;
  asterisk_id?: string;
}

export interface StasisStartEvent extends EventBase {
  type: 'StasisStart';
  args: string[];
  channel: Channel;
  replace_channel?: Channel;
}
export interface StasisEndEvent extends EventBase {
  type: 'StasisEnd';
  channel: Channel;
}
export interface ChannelStateChangeEvent extends EventBase {
  type: 'ChannelStateChange';
  channel: Channel;
}
export interface ChannelDestroyedEvent extends EventBase {
  type: 'ChannelDestroyed';
  channel: Channel;
  cause: number;
  cause_txt: string;
}
export interface ChannelHangupRequestEvent extends EventBase {
  type: 'ChannelHangupRequest';
  channel: Channel;
  cause?: number;
  soft?: boolean;
}
export interface ChannelDtmfReceivedEvent extends EventBase {
  type: 'ChannelDtmfReceived';
  channel: Channel;
  digit: string;
  duration_ms: number;
}
export interface DialEvent extends EventBase {
  type: 'Dial';
  peer: Channel;
  caller?: Channel;
  forwarded?: Channel;
  dialstatus: string;
  dialstring?: string;
}
export interface PlaybackEvent extends EventBase {
  type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished';
  playback: Playback;
}
export interface RecordingEvent extends EventBase {
  type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed';
  recording: LiveRecording;
}
export interface BridgeEvent extends EventBase {
  type: 'BridgeCreated' | 'BridgeDestroyed';
  bridge: Bridge;
}
export interface ChannelBridgeEvent extends EventBase {
  type: 'ChannelEnteredBridge' | 'ChannelLeftBridge';
  bridge: Bridge;
  channel: Channel;
}
export interface ApplicationReplacedEvent extends EventBase {
  type: 'ApplicationReplaced';
}

/** Any other event Asterisk sends: kept as data, routed by whatever ids it carries. */
export interface OtherEvent extends EventBase {
  channel?: Channel;
  bridge?: Bridge;
  playback?: Playback;
  recording?: LiveRecording;
  peer?: Channel;
  [key: string]: unknown;
}

export type AriEvent =
  | StasisStartEvent
  | StasisEndEvent
  | ChannelStateChangeEvent
  | ChannelDestroyedEvent
  | ChannelHangupRequestEvent
  | ChannelDtmfReceivedEvent
  | DialEvent
  | PlaybackEvent
  | RecordingEvent
  | BridgeEvent
  | ChannelBridgeEvent
  | ApplicationReplacedEvent;

/** An event as it arrives off the wire, before the router has checked it. */
export type RawAriEvent = AriEvent | OtherEvent;
