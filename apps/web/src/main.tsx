import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { registerServiceWorker } from './app/sw-update.ts';
import { startPush } from './app/push.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(<App />);

registerServiceWorker();
// Web Push: hands the session to the service worker and renews this device's subscription.
if ('serviceWorker' in navigator && import.meta.env.PROD) window.addEventListener('load', () => startPush());
