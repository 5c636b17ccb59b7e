// Keyboard behaviours any admin list can use, without knowing what the list holds:
// - elements with role=button act on Enter and Space, as real buttons do;
// - in a list marked data-reorder="<selector of its items>", Alt+Up and Alt+Down move the focused
//   item (or the item holding the focus) one place, keep the focus on it, announce the new place
//   to screen readers and dispatch a bubbling "reorder" event ({ item, list }) for the page to save;
// - "?" opens the dialog of keyboard shortcuts (dialog#shortcuts), when the page has one.
// The sentences it announces are the page's, in the editor's language: the data- attributes of
// dialog#shortcuts, with {item}, {position}, {count} and {list} in them.

(() => {
  const isTyping = (target) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

  /** The polite live region that says where a moved item now stands. */
  function announce(message) {
    let region = document.getElementById('keyboard-announcer');
    if (!region) {
      region = document.createElement('div');
      region.id = 'keyboard-announcer';
      region.className = 'visually-hidden';
      region.setAttribute('aria-live', 'polite');
      region.setAttribute('role', 'status');
      document.body.append(region);
    }
    if (!message) return;
    // Emptied first, so the same sentence twice is still read out.
    region.textContent = '';
    setTimeout(() => {
      region.textContent = message;
    }, 50);
  }

  /** One of the announced sentences, its {names} replaced; empty on a page without the dialog. */
  function sentence(key, values) {
    const template = document.getElementById('shortcuts')?.dataset[key] || '';
    return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  /** A number as the page's language writes it. */
  function number(value) {
    return new Intl.NumberFormat(document.documentElement.lang || undefined).format(value);
  }

  /** A short name for an item: its aria-label, or its first line of text. */
  function nameOf(item) {
    return item.getAttribute('aria-label') || (item.textContent || '').trim().split('\n')[0].trim().slice(0, 80);
  }

  /** Moves an item one place up (-1) or down (+1) among its siblings; false when it already is at that end. */
  function moveItem(item, list, direction) {
    const selector = list.dataset.reorder;
    const siblings = [...list.children].filter((child) => child.matches(selector));
    const index = siblings.indexOf(item);
    const target = siblings[index + direction];
    if (!target) return false;
    const focused = document.activeElement;
    if (direction < 0) target.before(item);
    else target.after(item);
    if (focused instanceof HTMLElement) focused.focus();
    const label = list.getAttribute('aria-label') || document.getElementById(list.getAttribute('aria-labelledby') || '')?.textContent?.trim();
    const values = { item: nameOf(item), position: number(index + direction + 1), count: number(siblings.length), list: label };
    announce(sentence(label ? 'movedIn' : 'moved', values));
    item.dispatchEvent(new CustomEvent('reorder', { bubbles: true, detail: { item, list } }));
    return true;
  }

  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!(target instanceof Element) || event.defaultPrevented) return;

    if ((event.key === 'Enter' || event.key === ' ') && target.getAttribute('role') === 'button' && !isTyping(target)) {
      event.preventDefault();
      target.click();
      return;
    }

    if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      const list = target.closest('[data-reorder]');
      const item = list && target.closest(list.dataset.reorder);
      if (!item || item.parentElement !== list || isTyping(target)) return;
      event.preventDefault();
      if (!moveItem(item, list, event.key === 'ArrowUp' ? -1 : 1)) announce(sentence(event.key === 'ArrowUp' ? 'first' : 'last', { item: nameOf(item) }));
      return;
    }

    if (event.key === '?' && !event.ctrlKey && !event.metaKey && !isTyping(target)) {
      const dialog = document.getElementById('shortcuts');
      if (dialog instanceof HTMLDialogElement && !dialog.open) {
        event.preventDefault();
        dialog.showModal();
      }
    }
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const dialog = document.getElementById('shortcuts');
    if (!(dialog instanceof HTMLDialogElement) || !target) return;
    if (target.closest('[data-shortcuts-open]')) dialog.showModal();
    else if (target.closest('[data-shortcuts-close]')) dialog.close();
  });

  // Buttons that need this script stay hidden without it.
  document.addEventListener('DOMContentLoaded', () => {
    for (const button of document.querySelectorAll('[data-shortcuts-open]')) button.hidden = false;
  });
})();
