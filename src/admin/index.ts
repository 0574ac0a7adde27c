export { createAdminHandler, type AdminHandler, type AdminHandlerOptions, type AdminKit } from './admin-handler.js'
export { redact } from './redact.js'
