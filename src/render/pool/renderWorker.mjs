// Worker-thread entry: the sources are TypeScript run through tsx's loader, registered here
// because a worker does not inherit the main thread's loader.
import { register } from 'tsx/esm/api';

register();
await import('./renderWorker.ts');
