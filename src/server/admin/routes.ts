import type { Hono } from 'hono';
import type { ServerContext } from '../context.js';
import type { ServerEnv } from '../extensions.js';

export function registerAdminRoutes(_app: Hono<ServerEnv>, _ctx: ServerContext): void {}
