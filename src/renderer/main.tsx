import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from './api/connect.js';
import { App } from './app/App.js';
import { MissingToken } from './app/MissingToken.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
const api = connectApi();
createRoot(root).render(<StrictMode>{api ? <App api={api} /> : <MissingToken />}</StrictMode>);
