import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles/base.css';
import '../chat/chat.css';
import './enduser.css';
import { EndUserApp } from './EndUserApp';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <EndUserApp />
    </StrictMode>,
  );
}
