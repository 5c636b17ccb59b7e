// The development outbox: with no SMTP_URL every email Veille sends is written as an .eml file
// and read back here. Those messages hold working links (invitations carry the role they grant,
// confirmations and unsubscribe links act for a reader), so only owners may read them.
import { listOutbox, readOutboxFile, readOutboxMessage } from './mailer.ts';
import { authorize, type Actor } from '../accounts/roles.ts';

/** Reading the outbox folder, for owners. */
export function createOutboxService({ directory }: { directory: string }) {
  return {
    directory,

    /** The messages, newest first: date, recipient, subject, size. */
    async list({ actor }: { actor: Actor }) {
      authorize(actor, 'outbox.read');
      return listOutbox(directory);
    },

    /** One message, parsed; undefined when there is no such file in the outbox. */
    async read({ actor, file }: { actor: Actor; file: string }) {
      authorize(actor, 'outbox.read');
      return readOutboxMessage(directory, file);
    },

    /** One message as it was sent (the .eml file, to open in a mail client); undefined when there is no such file. */
    async raw({ actor, file }: { actor: Actor; file: string }) {
      authorize(actor, 'outbox.read');
      return readOutboxFile(directory, file);
    },
  };
}

export type OutboxService = ReturnType<typeof createOutboxService>;
