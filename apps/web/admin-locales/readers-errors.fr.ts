// Les refus des formulaires des lecteurs, de l’équipe et de la connexion, par leur code, en français.
import { formatCalendarDate, frenchSpacing, typeset } from '../../domain/platform/locales/index.ts';
import type { ReadersErrorWords } from './readers-errors.en.ts';

const plural = (count: number, one: string, many: string) => (count <= 1 ? one : many);
const day = (date: string | number) => {
  const value = new Date(String(date));
  return Number.isNaN(value.getTime()) ? String(date) : formatCalendarDate(value, 'fr-FR', { dateStyle: 'long', timeZone: 'UTC' });
};
const suppressed = (why: string) => (params: Record<string, string | number>) =>
  `Cette adresse est bloquée : ${why} le ${day(params.date ?? '')}. Le lecteur peut se réabonner depuis le site, avec un email de confirmation.`;

/** The refusals' words in French, typeset. */
export const readersErrorsFr: ReadersErrorWords = typeset<ReadersErrorWords>(
  {
    messages: {
      fields: 'Corrigez les champs signalés.',
      invalid_characters: 'Le formulaire contient un caractère de contrôle, qui n’est pas accepté. Retirez-le et réessayez.',
      form_expired: 'Ce formulaire a expiré ou ne vient pas de cette page. Il a été renouvelé : envoyez-le de nouveau.',
      credentials_missing: 'Saisissez votre email et votre mot de passe.',
      incorrect_credentials: 'Email ou mot de passe incorrect.',
      sign_in_wait: ({ seconds }) =>
        `Trop de tentatives de connexion échouées. Attendez ${Number(seconds) < 90 ? `${seconds} ${plural(Number(seconds), 'seconde', 'secondes')}` : `${Math.ceil(Number(seconds) / 60)} minutes`} avant de réessayer.`,
      invitation_invalid: 'Ce lien d’invitation n’est pas valable ou a expiré. Demandez-en un nouveau.',
      already_set_up: 'Veille est déjà installé : connectez-vous.',
      account_exists: 'Un compte existe déjà avec cet email.',
      has_account: 'Cette personne a déjà un compte.',
      wrong_password: 'Le mot de passe actuel n’est pas le bon.',
      last_owner: 'Veille a besoin d’au moins un propriétaire : nommez d’abord quelqu’un d’autre propriétaire.',
      last_owner_removed: 'Veille a besoin d’au moins un propriétaire : ce compte ne peut pas être retiré.',
      already_subscribed: 'Cette adresse est déjà abonnée.',
      suppressed_bounce: suppressed('elle a rebondi'),
      suppressed_complaint: suppressed('son lecteur a signalé une édition comme spam'),
      suppressed_soft_bounces: suppressed('elle a rebondi plusieurs envois de suite'),
      choose_csv: 'Choisissez un fichier CSV à importer.',
      csv_too_large: 'Le fichier dépasse 20 Mo.',
      csv_unreadable: 'Ce fichier n’est pas un CSV lisible.',
      csv_empty: 'Le fichier est vide.',
      csv_too_many_rows: 'Le fichier a plus de 200 000 lignes.',
      csv_no_email_column: 'Aucune colonne d’adresses : il en faut une nommée email, email address, email_address…',
      import_no_source:
        'Choisissez un fichier (un export .zip ou un dossier Markdown, un fichier Markdown, un flux, veille-export.json) ou donnez l’adresse d’un flux.',
      import_not_http: 'Donnez l’adresse d’un flux, commençant par https:// ou http://.',
      upload_too_many: 'L’envoi contient plus de fichiers ou de champs que le formulaire n’en envoie.',
      upload_malformed: 'L’envoi est mal formé ou incomplet : choisissez de nouveau le fichier et renvoyez le formulaire.',
    },
    fields: {
      'email.invalid_type': 'L’email est obligatoire.',
      'email.required': 'L’email est obligatoire.',
      'email.too_long': 'L’email est trop long.',
      'email.custom': 'L’email contient des caractères non valables.',
      'email.invalid_format': 'Saisissez une adresse email valable, comme nom@exemple.fr.',
      'name.invalid_type': 'Le nom est obligatoire.',
      'name.required': 'Le nom est obligatoire.',
      'name.too_long': 'Le nom ne doit pas dépasser 100 caractères.',
      'name.custom': 'Le nom contient des caractères non valables.',
      'role.invalid_value': 'Le rôle est propriétaire ou éditeur.',
      'role.invalid_type': 'Le rôle est propriétaire ou éditeur.',
      'locale.invalid_value': 'Choisissez l’anglais ou le français.',
      'locale.invalid_type': 'Choisissez l’anglais ou le français.',
      'password.invalid_type': 'Le mot de passe est obligatoire.',
      'password.required': 'Le mot de passe est obligatoire.',
      'password.too_long': 'Le mot de passe est trop long.',
      'newPassword.invalid_type': 'Le mot de passe est obligatoire.',
      password_too_short: 'Le mot de passe doit faire au moins 12 caractères.',
      password_too_long: 'Le mot de passe ne doit pas dépasser 512 caractères.',
      password_weak: 'Ce mot de passe est trop facile à deviner : une phrase de passe de quelques mots sans rapport est plus solide et plus facile à retenir.',
      'currentPassword.invalid_type': 'Le mot de passe actuel est obligatoire.',
      'currentPassword.required': 'Le mot de passe actuel est obligatoire.',
      'url.invalid_type': 'L’URL est obligatoire.',
      'url.required': 'L’URL est obligatoire.',
      'url.too_long': 'L’URL ne doit pas dépasser 2 000 caractères.',
      url_invalid: 'Saisissez une URL complète, comme https://exemple.fr/hooks/veille.',
      url_not_https: 'L’URL doit commencer par https:// (les appels transportent les adresses des lecteurs).',
      url_credentials: 'Ne mettez ni nom d’utilisateur ni mot de passe dans l’URL : vérifiez plutôt la signature.',
      url_private: 'Cette adresse est sur un réseau privé, que Veille n’appelle pas.',
      url_not_http: 'Donnez une adresse http(s).',
      'events.invalid_type': 'Choisissez au moins un événement.',
      'events.invalid_union': 'Choisissez au moins un événement.',
      'events.required': 'Choisissez au moins un événement.',
      'events.invalid_value': 'Choisissez parmi les événements proposés.',
      'events.too_long': 'Choisissez parmi les événements proposés.',
      'description.invalid_type': 'La description doit être du texte.',
      'description.too_long': 'La description ne doit pas dépasser 200 caractères.',
      'description.custom': 'La description doit tenir sur une ligne, sans caractères de contrôle.',
      invalid_characters: 'Ce champ contient un caractère de contrôle, qui n’est pas accepté. Retirez-le et réessayez.',
      no_address: 'Pas d’adresse sur cette ligne.',
      repeated: 'Déjà présente plus haut dans le fichier.',
      existing: 'Déjà abonné.',
      bounce: 'Bloquée : l’adresse a rebondi (elle n’existe pas).',
      complaint: 'Bloquée : son lecteur a signalé une édition comme spam.',
      soft_bounces: 'Bloquée : elle a rebondi plusieurs envois de suite.',
    },
  },
  frenchSpacing,
);
