#!/usr/bin/env node
// The workspace's bin: the repository-level launcher runs the compiled or the TypeScript agent.
import "../bin/portolan-agent.js";
