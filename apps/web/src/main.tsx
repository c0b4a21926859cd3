import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { registerServiceWorker } from './app/sw-update.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App />);

registerServiceWorker();
