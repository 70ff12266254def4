// Electron preload: exposes the API contract as window.aegees and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './api.js';

contextBridge.exposeInMainWorld('aegees', createPreloadApi(ipcRenderer));
