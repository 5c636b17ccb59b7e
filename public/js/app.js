// Small behaviours shared by the admin pages; each one degrades to plain HTML without JavaScript.

// Forms with data-confirm ask before they submit (removing a user, revoking a token); so do the
// buttons with one, in forms that offer several choices (the publish screen).
document.addEventListener(
  'submit',
  (event) => {
    const form = event.target;
    const question = (event.submitter && event.submitter.dataset.confirm) || (form instanceof HTMLFormElement && form.dataset.confirm);
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// Buttons with data-copy put the text of the element they name on the clipboard, and say so for a
// moment in the page's language (data-copied).
document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!target) return;
  const source = document.querySelector(target.getAttribute('data-copy'));
  if (!source) return;
  source.select?.();
  navigator.clipboard
    ?.writeText(source.value ?? source.textContent ?? '')
    .then(() => {
      const label = target.textContent;
      target.textContent = target.getAttribute('data-copied') || 'Copied';
      setTimeout(() => {
        target.textContent = label;
      }, 1500);
    })
    .catch(() => undefined);
});

// The header's menus (the sections on a phone, the user's menu) close with Escape or a click elsewhere.
const HEADER_MENUS = '.admin-header details[open]';
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  for (const menu of document.querySelectorAll(HEADER_MENUS)) {
    menu.open = false;
    menu.querySelector('summary')?.focus();
  }
});
document.addEventListener('click', (event) => {
  for (const menu of document.querySelectorAll(HEADER_MENUS)) {
    const inside =
      event.target instanceof Element && (menu.contains(event.target) || (menu.classList.contains('nav-toggle') && event.target.closest('#admin-nav')));
    if (!inside) menu.open = false;
  }
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
  // The page says it in the editor's language; English where a page does not.
  let message = flash.dataset.failed || 'The request failed. Please try again.';
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

// Keyboard shortcuts of the inbox: "/" searches, "n" adds a link (not while typing somewhere).
document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typing = target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  if (typing) return;
  const focus = { '/': 'search', n: 'quick-add-url' }[event.key];
  const field = focus && document.getElementById(focus);
  if (field) {
    event.preventDefault();
    field.focus();
    field.select?.();
  }
});

// Inline editing: Escape cancels, Enter saves (Shift+Enter keeps a new line in the commentary).
document.addEventListener('keydown', (event) => {
  const form = event.target instanceof Element ? event.target.closest('.link-edit-form') : null;
  if (!form) return;
  if (event.key === 'Escape') {
    event.preventDefault();
    form.querySelector('[data-cancel]')?.click();
  } else if (event.key === 'Enter' && !event.shiftKey && event.target instanceof HTMLTextAreaElement) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// After quick-add, empty the field for the next URL.
document.addEventListener('htmx:afterRequest', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.id === 'quick-add' && event.detail.successful) {
    form.reset();
    form.querySelector('input[name="url"]')?.focus();
  }
});

// The editor's sections move with Alt+Arrow Up/Down too, through their ↑ ↓ buttons.
document.addEventListener('keydown', (event) => {
  if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
  const block = event.target instanceof Element ? event.target.closest('.edition-section-block') : null;
  if (!block || event.target !== block) return;
  const button = block.querySelector(`[data-block-action="${event.key === 'ArrowUp' ? 'up' : 'down'}"]`);
  if (!button) return;
  event.preventDefault();
  window.sessionStorage.setItem('veille-focus-block', block.dataset.key);
  button.click();
});

// A change to the sections (move, add, remove) loads the editor again: text typed and not yet
// autosaved is saved first (or the save under way finishes), so that none of it is lost and the
// page that comes back shows it; a refused save keeps the page as it is.
document.addEventListener('submit', (event) => {
  const form = event.target;
  const editor = document.getElementById('edition-form');
  if (!(form instanceof HTMLFormElement) || !editor || !form.closest('#edition-sections') || form.hasAttribute('hx-post')) return;
  const saving = editor.classList.contains('htmx-request');
  if (!saving && !document.getElementById('save-state')?.classList.contains('save-dirty')) return;
  event.preventDefault();
  const submitter = event.submitter;
  editor.addEventListener(
    'htmx:afterRequest',
    (saved) => {
      if (saved.detail.successful) form.requestSubmit(submitter);
    },
    { once: true },
  );
  if (!saving) editor.requestSubmit();
});

// After a move, the moved section has the focus again.
document.addEventListener('DOMContentLoaded', () => {
  const key = window.sessionStorage.getItem('veille-focus-block');
  if (!key) return;
  window.sessionStorage.removeItem('veille-focus-block');
  document.querySelector(`.edition-section-block[data-key="${window.CSS.escape(key)}"]`)?.focus();
});

/** Posts a form-encoded request through htmx, so CSRF headers and HX-Trigger events apply. */
function post(url, values) {
  return htmx.ajax('POST', url, { values, swap: 'none', source: document.body });
}

/** Saves where a link now stands in its list (and its category, when it changed lists). */
function saveLinkMove(item, from, to) {
  const previous = item.previousElementSibling;
  const next = item.nextElementSibling;
  const saved = post(`/admin/links/${item.dataset.id}/move`, {
    categoryId: to.dataset.categoryId ?? '',
    beforeId: previous?.dataset.id ?? '',
    afterId: next?.dataset.id ?? '',
  });
  // Dropped on an empty category's chip: the list is drawn again with that category open.
  if (to.hasAttribute('data-reload-list')) saved.then(() => htmx.trigger(document.body, 'inbox-reload'));
  // In the inbox the row shows its category: fetch it again once a move to another is saved.
  else if (from !== to && to.hasAttribute('data-refetch-row')) {
    saved.then(() => htmx.ajax('GET', `/admin/links/${item.dataset.id}/row`, { target: item, swap: 'outerHTML' }));
  }
}

/** Saves the order of the categories as the list shows it. */
function saveCategoryOrder(list) {
  post('/admin/categories/order', { ids: [...list.querySelectorAll('[data-id]')].map((row) => row.dataset.id) });
}

// Alt+Up / Alt+Down (keyboard.js) moved an item: saved like a drag and drop.
document.addEventListener('reorder', (event) => {
  const { item, list } = event.detail;
  if (list.hasAttribute('data-sortable')) saveLinkMove(item, list, list);
  else if (list.hasAttribute('data-sortable-categories')) saveCategoryOrder(list);
});

/** Drag and drop of links (within and between categories) and of categories. */
function initSortables(root) {
  if (typeof Sortable === 'undefined') return;
  for (const list of root.querySelectorAll('[data-sortable]')) {
    if (list.sortable) continue;
    list.sortable = Sortable.create(list, {
      group: 'links',
      handle: '.drag-handle',
      draggable: '.link-row',
      animation: 150,
      // Mouse and touch events rather than native drag and drop: the same on every browser and device.
      forceFallback: true,
      // While dragging, the empty categories show as drop targets.
      onStart() {
        document.body.classList.add('dragging-link');
      },
      onEnd(event) {
        document.body.classList.remove('dragging-link');
        saveLinkMove(event.item, event.from, event.to);
      },
    });
  }
  for (const list of root.querySelectorAll('[data-sortable-sections]')) {
    if (list.sortable) continue;
    list.sortable = Sortable.create(list, {
      handle: 'h3 > .drag-handle',
      draggable: '.edition-section-block',
      animation: 150,
      forceFallback: true,
      onEnd() {
        post(`/admin/editions/${list.dataset.period}/sections`, {
          order: [...list.querySelectorAll(':scope > [data-key]')].map((row) => row.dataset.key),
        });
      },
    });
  }
  for (const list of root.querySelectorAll('[data-sortable-categories]')) {
    if (list.sortable) continue;
    list.sortable = Sortable.create(list, {
      handle: '.drag-handle',
      animation: 150,
      forceFallback: true,
      onEnd() {
        saveCategoryOrder(list);
      },
    });
  }
}

/** Behaviours of freshly swapped content: sortables, focus of the edited field, timed removals. */
function initContent(root) {
  initSortables(root);
  const form = root.matches?.('.link-edit-form') ? root : root.querySelector?.('.link-edit-form');
  if (form && form.dataset.focus) {
    const field = form.querySelector(`[name="${form.dataset.focus}"]`);
    if (field) {
      field.focus();
      if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) field.setSelectionRange(field.value.length, field.value.length);
    }
  }
  for (const element of root.querySelectorAll?.('[data-remove-after]') ?? []) {
    setTimeout(() => element.remove(), Number(element.dataset.removeAfter));
  }
  for (const element of root.querySelectorAll?.('[data-close-window-after]') ?? []) {
    const delay = Number(element.dataset.closeWindowAfter);
    if (delay > 0) setTimeout(() => window.close(), delay);
  }
}

document.addEventListener('click', (event) => {
  if (event.target instanceof Element && event.target.closest('[data-close-window]')) window.close();
});

document.addEventListener('DOMContentLoaded', () => {
  initContent(document);
  htmx.onLoad((element) => {
    if (element !== document.body) initContent(element);
  });
});

// The editor: unsaved changes are visible until the autosave answers.
document.addEventListener('input', (event) => {
  const form = event.target instanceof Element ? event.target.closest('#edition-form') : null;
  const state = document.getElementById('save-state');
  if (form && state) {
    state.className = 'save-state save-dirty';
    // In the editor's language, from the page.
    state.textContent = form.dataset.unsaved || 'Unsaved changes…';
  }
});

// "Copy for Substack": the edition as rich HTML on the clipboard, ready to paste into its editor.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy-html]') : null;
  if (!button) return;
  const source = document.querySelector(button.getAttribute('data-copy-html'));
  if (!source) return;
  const html = source.innerHTML;
  const text = source.content ? source.content.textContent : source.textContent;
  const done = () => {
    const label = button.textContent;
    button.textContent = button.dataset.copied || 'Copied';
    setTimeout(() => {
      button.textContent = label;
    }, 1500);
  };
  if (navigator.clipboard && window.ClipboardItem) {
    navigator.clipboard
      .write([new window.ClipboardItem({ 'text/html': new Blob([html], { type: 'text/html' }), 'text/plain': new Blob([text], { type: 'text/plain' }) })])
      .then(done)
      .catch(() => undefined);
  }
});
