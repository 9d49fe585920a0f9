export * from './channels';
export * from './event-types';
export * from './objects';
export * from './event-schemas';
export * from './topic-pattern';
