/** What an operator may do at all: the list and its sentences live in the protocol (the console shows them). */
export { CAPABILITIES, type Capability } from '@parley/protocol';
