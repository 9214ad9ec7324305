import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles/base.css';
import '../chat/chat.css';
import '../kit/kit.css';
import './app.css';
import { App } from './App';
import { createQueryClient } from './queryClient';
import { preloadScreen } from './routes';

// The screen's code loads while the session is asked for.
preloadScreen(window.location.pathname);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
