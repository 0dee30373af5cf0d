/** Shared by vitest.worker.config.ts (Node) and the tests inside workerd: import nothing here. */
export const WORKER_TEST_ADMIN_TOKEN = "worker-test-admin-token-0123456789";
