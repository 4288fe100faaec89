// For specs: the CapstanError a call throws (shared with every library's specs through support's testing kit).
export { thrownCapstanError as captureCapstanError } from '@capstan/support/testing';
