/**
 * The dashboard's security headers. Cluster data (pod names, messages, labels) comes from clusters we
 * do not control: besides hono/jsx escaping every value, the policy forbids inline script and style,
 * so even an injected `<script>` or `onerror=` could not run. Forms post only to this origin.
 */
import { secureHeaders } from "hono/secure-headers";

export const dashboardHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
});
