import { createContext, useContext } from 'react';
import type { SyncEngine } from '../sync/engine.ts';

export const EngineContext = createContext<SyncEngine | null>(null);

export function useEngine(): SyncEngine {
  const e = useContext(EngineContext);
  if (!e) throw new Error('useEngine outside a signed-in view');
  return e;
}
