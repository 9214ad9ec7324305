/** A clock for tests: the protocol's, which its reconnect loop is tested with. */
export { TestClock } from '../../../protocol/src/testing';
