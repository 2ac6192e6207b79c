// The sign-in pages' stylesheet, served from the gateway itself so the pages need no inline styles.
import type { RequestHandler } from 'express';

const CSS = `*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
.card{width:100%;max-width:24rem;margin:1rem;padding:2rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{margin:0 0 1.25rem;font-size:1.4rem}
.alert{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.5rem;background:#fff1f0;color:#82071e;border:1px solid #ffcecb}
.providers{display:flex;flex-direction:column;gap:.5rem;margin:0 0 1.25rem;padding:0;list-style:none}
.button{display:block;width:100%;padding:.65rem 1rem;border:1px solid #d0d7de;border-radius:.5rem;background:#f6f8fa;
color:inherit;text-align:center;text-decoration:none;font:inherit;cursor:pointer}
.button:hover,.button:focus{background:#eef1f4}
.button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}
.divider{margin:1rem 0;text-align:center;color:#656d76;font-size:.9rem}
label{display:block;margin:0 0 .75rem;font-size:.95rem}
input[type=text],input[type=password]{display:block;width:100%;margin-top:.25rem;padding:.55rem .7rem;
border:1px solid #d0d7de;border-radius:.5rem;font:inherit}
.muted{color:#656d76;font-size:.9rem}
`;

export const stylesheet: RequestHandler = (_req, res) => {
  res.setHeader('Cache-Control', 'public, max-age=3600');
  res.type('css').send(CSS);
};
