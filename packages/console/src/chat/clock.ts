/** Time and timers, injected so the chat logic runs the same in tests (with a fake clock) and in the browser. */
export { type Clock, realClock } from '@parley/protocol';
