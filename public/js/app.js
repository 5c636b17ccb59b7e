// Small behaviours shared by the admin pages; each one degrades to plain HTML without JavaScript.

// Forms with data-confirm ask before they submit (removing a user, revoking a token).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

// Buttons with data-copy put the text of the element they name on the clipboard.
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!target) return;
  const source = document.querySelector(target.getAttribute('data-copy'));
  if (!source) return;
  source.select?.();
  navigator.clipboard?.writeText(source.value ?? source.textContent ?? '').then(() => {
    const label = target.textContent;
    target.textContent = 'Copied';
    setTimeout(() => { target.textContent = label; }, 1500);
  }).catch(() => undefined);
});

document.addEventListener('focusin', (event) => {
  if (event.target instanceof HTMLInputElement && event.target.hasAttribute('data-select-on-focus')) event.target.select();
});

// A 401 from an htmx request means the session ended: the server sends HX-Redirect to sign-in.
// Other errors that htmx does not swap are shown in the flash area rather than failing silently.
document.addEventListener('htmx:responseError', (event) => {
  const flash = document.getElementById('flash');
  if (!flash) return;
  const xhr = event.detail.xhr;
  let message = 'The request failed. Please try again.';
  try {
    const body = JSON.parse(xhr.responseText);
    if (body && body.message) message = body.message;
  } catch {
    if (xhr.responseText && xhr.responseText.length < 500 && !xhr.responseText.includes('<html')) message = xhr.responseText.replace(/<[^>]+>/g, '');
  }
  const alert = document.createElement('div');
  alert.className = 'alert alert-error';
  alert.setAttribute('role', 'alert');
  alert.textContent = message;
  flash.replaceChildren(alert);
});
