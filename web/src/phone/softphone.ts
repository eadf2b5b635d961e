import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent } from 'jssip/lib/UA';
import { reactive } from 'vue';
import type { Outcome } from '../api/outcome.js';
import type { SoftphoneSettings } from '../api/softphone.js';
import { type CallQuality, qualityBetween, type RtpSample, sampleFromReport } from './quality.js';

/**
 * The agent's browser softphone: a JsSIP user agent registered to Asterisk over its WebSocket, answering
 * every call the service places to it (the persistent line at login, or each call's ring) at once. Only
 * one tab of an agent registers (a Web Lock per agent): a second tab says so and takes over only when the
 * first one closes, never by itself while it lives. The agent's state on the service is never touched
 * here: a network drop only re-registers.
 */

export type Registration = 'unregistered' | 'registering' | 'registered' | 'failed' | 'elsewhere';

export interface PhoneState {
  registration: Registration;
  /** Why the last registration failed (a SIP cause, or the service's refusal). */
  failure: string | null;
  call: { state: 'ringing' | 'talking'; since: number } | null;
  muted: boolean;
  held: boolean;
  /** 0..1, the speaker's volume. */
  volume: number;
  inputs: { deviceId: string; label: string }[];
  outputs: { deviceId: string; label: string }[];
  inputId: string;
  outputId: string;
  quality: CallQuality | null;
}

export interface Softphone {
  state: PhoneState;
  start(): void;
  stop(): void;
  setMuted(muted: boolean): void;
  setHeld(held: boolean): void;
  setVolume(volume: number): void;
  setInput(deviceId: string): Promise<void>;
  setOutput(deviceId: string): Promise<void>;
  refreshDevices(): Promise<void>;
}

const QUALITY_EVERY_MS = 3_000;
/** At most one fetch of new credentials after Asterisk refused the password, per this long. */
const RENEW_EVERY_MS = 60_000;

export function createSoftphone(
  agentId: string,
  fetchSettings: () => Promise<Outcome<SoftphoneSettings>>,
): Softphone {
  const state = reactive<PhoneState>({
    registration: 'unregistered',
    failure: null,
    call: null,
    muted: false,
    held: false,
    volume: 1,
    inputs: [],
    outputs: [],
    inputId: '',
    outputId: '',
    quality: null,
  });
  const audio = new Audio();
  audio.autoplay = true;
  let ua: JsSIP.UA | null = null;
  let session: RTCSession | null = null;
  let qualityTimer: ReturnType<typeof setInterval> | undefined;
  let lastSample: RtpSample | undefined;
  let stopped = false;
  let releaseLock: (() => void) | null = null;
  let renewedAt = 0;
  /** The request that waits for another tab's lock: given up when this phone stops. */
  let lockWait: AbortController | null = null;
  /** A microphone picked mid-call: its track is ours to stop (JsSIP stops only the stream it made). */
  let pickedTrack: MediaStreamTrack | null = null;

  function audioConstraints(): MediaTrackConstraints | boolean {
    return state.inputId ? { deviceId: { exact: state.inputId } } : true;
  }

  async function register(): Promise<void> {
    state.registration = 'registering';
    const settings = await fetchSettings();
    if (stopped) return;
    if (!settings.ok) {
      state.registration = 'failed';
      state.failure = settings.kind === 'refused' ? settings.code : settings.kind;
      return;
    }
    const s = settings.data;
    JsSIP.debug.disable();
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(s.wsUrl)],
      uri: s.sipUri,
      authorization_user: s.authorizationUser,
      password: s.password,
      display_name: s.displayName,
      register: true,
      register_expires: 120,
      session_timers: false,
      // After a network drop JsSIP opens the socket again (2 s, backing off to 10 s) and registers anew.
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 10,
    });
    ua.on('registered', () => {
      state.registration = 'registered';
      state.failure = null;
    });
    ua.on('unregistered', () => {
      if (!stopped) state.registration = 'registering';
    });
    ua.on('disconnected', () => {
      if (!stopped) state.registration = 'registering';
    });
    ua.on('registrationFailed', (e: { cause?: string }) => {
      // A rotated password (an admin's or the agent's own rotate): fetch the new one rather than stay dead.
      if (e.cause === JsSIP.C.causes.AUTHENTICATION_ERROR && Date.now() - renewedAt > RENEW_EVERY_MS) {
        renewedAt = Date.now();
        state.registration = 'registering';
        void renew();
        return;
      }
      state.registration = 'failed';
      state.failure = e.cause ?? null;
    });
    ua.on('newRTCSession', (e: RTCSessionEvent) => {
      if (e.originator !== 'remote') return;
      answer(e.session, s.iceServers as RTCIceServer[]);
    });
    ua.start();
  }

  function answer(incoming: RTCSession, iceServers: RTCIceServer[]): void {
    // One line: a second call while one is up is refused (the service never places two).
    if (session) {
      incoming.terminate({ status_code: 486 });
      return;
    }
    session = incoming;
    state.call = { state: 'ringing', since: Date.now() };
    state.muted = false;
    state.held = false;
    incoming.on('peerconnection', (e) => attachRemote(e.peerconnection));
    incoming.on('confirmed', () => {
      state.call = { state: 'talking', since: Date.now() };
      startQuality();
    });
    const ended = () => {
      if (session !== incoming) return;
      session = null;
      state.call = null;
      state.quality = null;
      stopQuality();
      stopPickedTrack();
    };
    incoming.on('ended', ended);
    incoming.on('failed', ended);
    incoming.answer({
      mediaConstraints: { audio: audioConstraints(), video: false },
      pcConfig: { iceServers },
    });
    // An answered call already has its connection (the 'peerconnection' event came before the listener).
    if (incoming.connection) attachRemote(incoming.connection);
  }

  function attachRemote(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (e) => {
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      audio.volume = state.volume;
      void audio.play().catch(() => undefined);
    });
  }

  function startQuality(): void {
    stopQuality();
    qualityTimer = setInterval(() => void readQuality(), QUALITY_EVERY_MS);
  }
  function stopQuality(): void {
    clearInterval(qualityTimer);
    lastSample = undefined;
  }
  async function readQuality(): Promise<void> {
    const pc = session?.connection;
    if (!pc) return;
    const report = await pc.getStats();
    const sample = sampleFromReport(report.values() as Iterable<Record<string, unknown>>, Date.now());
    if (!sample) return;
    state.quality = qualityBetween(lastSample, sample);
    lastSample = sample;
  }

  async function refreshDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const named = (kind: MediaDeviceKind) =>
      devices
        .filter((d) => d.kind === kind && d.deviceId)
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    state.inputs = named('audioinput');
    state.outputs = named('audiooutput');
  }

  // A tab closing ends the line at once (BYE, un-REGISTER), so the agent goes not-ready line-dropped now
  // rather than when Asterisk's RTP timeout notices the silence (a crashed tab, a lost network).
  const onPageHide = () => stop();

  function stopPickedTrack(): void {
    pickedTrack?.stop();
    pickedTrack = null;
  }

  /**
   * The credentials fetched again and given to the same user agent, which registers with them: the line's
   * call (up all day) goes on untouched.
   */
  async function renew(): Promise<void> {
    const settings = await fetchSettings();
    const current = ua;
    if (stopped || !current) return;
    if (!settings.ok) {
      state.registration = 'failed';
      state.failure = settings.kind === 'refused' ? settings.code : settings.kind;
      return;
    }
    current.set('authorization_user', settings.data.authorizationUser);
    current.set('password', settings.data.password);
    current.register();
  }

  function start(): void {
    stopped = false;
    window.addEventListener('pagehide', onPageHide);
    void refreshDevices().catch(() => undefined);
    const locks = navigator.locks;
    if (!locks) {
      void register();
      return;
    }
    const name = `cc-softphone:${agentId}`;
    const holdLine = () =>
      new Promise<void>((resolve) => {
        releaseLock = resolve;
        void register();
      });
    const wait = new AbortController();
    lockWait = wait;
    void locks.request(name, { ifAvailable: true }, async (lock) => {
      // Stopped before the lock was granted: never hold it (another mount would find it taken).
      if (stopped) return;
      if (lock) return holdLine();
      // Another tab of this agent has the line: wait, visibly, until it closes.
      state.registration = 'elsewhere';
      locks
        .request(name, { signal: wait.signal }, async () => {
          if (stopped) return;
          return holdLine();
        })
        .catch(() => undefined); // aborted by stop()
    });
  }

  function stop(): void {
    stopped = true;
    window.removeEventListener('pagehide', onPageHide);
    lockWait?.abort();
    lockWait = null;
    stopQuality();
    session = null;
    state.call = null;
    stopPickedTrack();
    ua?.stop();
    ua = null;
    audio.srcObject = null;
    state.registration = 'unregistered';
    releaseLock?.();
    releaseLock = null;
  }

  return {
    state,
    start,
    stop,
    refreshDevices,
    setMuted(muted) {
      if (!session) return;
      if (muted) session.mute({ audio: true });
      else session.unmute({ audio: true });
      state.muted = muted;
    },
    setHeld(held) {
      if (!session) return;
      if (held) session.hold();
      else session.unhold();
      state.held = held;
    },
    setVolume(volume) {
      state.volume = Math.min(1, Math.max(0, volume));
      audio.volume = state.volume;
    },
    async setInput(deviceId) {
      state.inputId = deviceId;
      const pc = session?.connection;
      if (!pc) return;
      // The call goes on with the new microphone: its track replaces the old one in the same sender.
      const stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints() });
      const track = stream.getAudioTracks()[0];
      const sender = pc.getSenders().find((x) => x.track?.kind === 'audio');
      if (track && sender) {
        sender.track?.stop();
        await sender.replaceTrack(track);
        track.enabled = !state.muted;
        pickedTrack = track;
      }
    },
    async setOutput(deviceId) {
      state.outputId = deviceId;
      const sinkable = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
      await sinkable.setSinkId?.(deviceId);
    },
  };
}
