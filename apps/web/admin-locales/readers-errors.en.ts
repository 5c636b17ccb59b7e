// The refusals of the readers' and team's forms and of sign-in, by their code, in English.

const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

/**
 * Refusals by their code (apps/domain/platform/errors.ts, form-words.ts): the sentence above a
 * form, and a field's message. The services say these in English themselves; this is the list
 * the other languages follow.
 */
export const readersErrorsEn = {
  messages: {
    fields: 'Please correct the highlighted fields.',
    invalid_characters: 'The form holds a control character, which is not accepted. Remove it and try again.',
    form_expired: 'This form has expired or did not come from this page. It has been renewed: send it again.',
    credentials_missing: 'Enter your email and password.',
    incorrect_credentials: 'Incorrect email or password.',
    sign_in_wait: ({ seconds }: Record<string, string | number>) =>
      `Too many failed sign-in attempts. Wait ${Number(seconds) < 90 ? `${seconds} ${plural(Number(seconds), 'second', 'seconds')}` : `${Math.ceil(Number(seconds) / 60)} minutes`} before trying again.`,
    invitation_invalid: 'This invitation link is invalid or has expired. Ask for a new one.',
    already_set_up: 'Veille is already set up: sign in instead.',
    account_exists: 'An account with this email already exists.',
    has_account: 'This person already has an account.',
    wrong_password: 'The current password is not correct.',
    last_owner: 'Veille needs at least one owner: make someone else an owner first.',
    last_owner_removed: 'Veille needs at least one owner: this account cannot be removed.',
    already_subscribed: 'This address is already subscribed.',
    suppressed_bounce: ({ date }: Record<string, string | number>) =>
      `This address is suppressed: it bounced on ${String(date).slice(0, 10)}. The reader can subscribe again from the site, with a confirmation email.`,
    suppressed_complaint: ({ date }: Record<string, string | number>) =>
      `This address is suppressed: its reader reported an edition as spam on ${String(date).slice(0, 10)}. The reader can subscribe again from the site, with a confirmation email.`,
    suppressed_soft_bounces: ({ date }: Record<string, string | number>) =>
      `This address is suppressed: it bounced several sends in a row on ${String(date).slice(0, 10)}. The reader can subscribe again from the site, with a confirmation email.`,
    choose_csv: 'Choose a CSV file to import.',
    csv_too_large: 'The file is over 20 MB.',
    csv_unreadable: 'This is not a CSV file that can be read.',
    csv_empty: 'The file is empty.',
    csv_too_many_rows: 'The file has more than 200,000 rows.',
    csv_no_email_column: 'No email column: expected one named email, email address, email_address…',
    import_no_source: 'Choose a file (a .zip or Markdown folder export, a Markdown file, a feed, veille-export.json) or give the address of a feed.',
    import_not_http: 'Give the address of a feed, starting with https:// or http://.',
    upload_too_many: 'The upload holds more files or fields than the form sends.',
    upload_malformed: 'The upload is malformed or incomplete: choose the file again and send the form.',
  },
  fields: {
    'email.invalid_type': 'Email is required.',
    'email.required': 'Email is required.',
    'email.too_long': 'Email is too long.',
    'email.custom': 'Email contains invalid characters.',
    'email.invalid_format': 'Enter a valid email address, such as name@example.com.',
    'name.invalid_type': 'Name is required.',
    'name.required': 'Name is required.',
    'name.too_long': 'Name must be at most 100 characters.',
    'name.custom': 'Name contains invalid characters.',
    'role.invalid_value': 'Role must be owner or editor.',
    'role.invalid_type': 'Role must be owner or editor.',
    'locale.invalid_value': 'Choose English or French.',
    'locale.invalid_type': 'Choose English or French.',
    'password.invalid_type': 'Password is required.',
    'password.required': 'Password is required.',
    'password.too_long': 'Password is too long.',
    'newPassword.invalid_type': 'Password is required.',
    password_too_short: 'Password must be at least 12 characters.',
    password_too_long: 'Password must be at most 512 characters.',
    password_weak: 'This password is too easy to guess: a passphrase of a few unrelated words is stronger and easier to remember.',
    'currentPassword.invalid_type': 'Current password is required.',
    'currentPassword.required': 'Current password is required.',
    'url.invalid_type': 'The URL is required.',
    'url.required': 'The URL is required.',
    'url.too_long': 'The URL is at most 2,000 characters.',
    url_invalid: 'Enter a full URL, such as https://example.org/hooks/veille.',
    url_not_https: 'The URL must start with https:// (the calls carry readers’ addresses).',
    url_credentials: 'Put no user name or password in the URL: check the signature instead.',
    url_private: 'This address is on a private network, which Veille does not call.',
    url_not_http: 'Give an http(s) address.',
    'events.invalid_type': 'Choose at least one event.',
    'events.invalid_union': 'Choose at least one event.',
    'events.required': 'Choose at least one event.',
    'events.invalid_value': 'Choose among the events listed.',
    'events.too_long': 'Choose among the events listed.',
    'description.invalid_type': 'The description must be text.',
    'description.too_long': 'The description must be at most 200 characters.',
    'description.custom': 'The description must be on one line, without control characters.',
    invalid_characters: 'This field holds a control character, which is not accepted. Remove it and try again.',
    no_address: 'No address on this row.',
    repeated: 'Appears earlier in the file.',
    existing: 'Already a subscriber.',
    bounce: 'Suppressed: the address bounced (it does not exist).',
    complaint: 'Suppressed: its reader reported an edition as spam.',
    soft_bounces: 'Suppressed: it bounced several sends in a row.',
  },
};

/** The shape of the refusals' words. */
export type ReadersErrorWords = typeof readersErrorsEn;
