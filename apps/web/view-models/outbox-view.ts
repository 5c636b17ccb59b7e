/** An outbox message as its page shows it: the message, and the links in its text, each once, to click. */
export function outboxMessageView<M extends { text: string }>(message: M) {
  return { message, links: [...new Set(message.text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])] };
}
