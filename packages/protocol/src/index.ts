export * from './common.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './directory.ts';
export * from './membership.ts';
export * from './me.ts';
export * from './realtime.ts';
export * from './messaging.ts';
