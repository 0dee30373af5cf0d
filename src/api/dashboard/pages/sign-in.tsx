/** Where a reader gives the dashboard a read token, kept in an HttpOnly cookie (session.ts). */
import { Notice } from "../components/status.js";

export function SignIn(props: { message?: string | undefined; signedIn: boolean }) {
  return (
    <section aria-labelledby="token-heading">
      <h2 id="token-heading">Read token</h2>
      {props.message ? <Notice kind="error">{props.message}</Notice> : null}
      <p>
        The dashboard reads with a read token (the admin mutation tokens.createRead); it does not keep the
        admin token. The token is kept in a cookie that page scripts cannot read, sent only to this server.
      </p>
      <form method="post" action="/session" class="inline-form">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit">Use this token</button>
      </form>
      {props.signedIn ? (
        <form method="post" action="/session/end" class="inline-form">
          <button type="submit">Forget the token</button>
        </form>
      ) : null}
    </section>
  );
}
