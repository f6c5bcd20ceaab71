// Every string of the interface, in English and French, in one place.
// The choice is kept per browser (a preference, not a secret) and, for
// signed-in people, in their profile.

const catalogs = {
  en: {
    skip: "Skip to content", language: "Language", brand: "Service desk",
    "nav.home": "Home", "nav.mine": "My tickets", "nav.new": "New ticket", "nav.support": "Support queue",
    "nav.signin": "Sign in", "nav.signout": "Sign out", "nav.guest": "Request without an account", "nav.access": "Check a ticket",
    "home.title": "Service desk", "home.create": "Create a ticket", "home.mine": "View my tickets", "home.search": "Search all tickets", "home.announcements": "Announcements", "new.files": "Attachments (optional, up to 25 MB each)",
    "home.anonymous": "Sign in to open and follow your tickets, or send a request without an account.",
    "signin.title": "Sign in", "signin.email": "Email", "signin.password": "Password", "signin.submit": "Sign in",
    "signin.forgot": "Forgot your password?",
    "list.title": "Tickets", "list.scope": "Show", "list.mine": "My tickets", "list.organization": "Organization tickets",
    "list.status": "Status", "list.open": "Open", "list.completed": "Recently completed", "list.all": "All",
    "list.search": "Search (title words or ticket number)", "list.apply": "Show tickets", "list.more": "More",
    "list.empty": "No tickets here yet. Create one with \"New ticket\".",
    "col.number": "Number", "col.title": "Title", "col.status": "Status", "col.created": "Created", "col.updated": "Updated",
    "new.title": "New ticket", "new.type": "Request type", "new.priority": "Priority", "new.subject": "Title",
    "new.description": "Description", "new.product": "Product", "new.serial": "Serial number or remote-support id",
    "new.visibility": "Who can see it", "new.save": "Save", "new.saveAnother": "Save and create another", "new.cancel": "Cancel",
    "new.saved": "Ticket {number} created.",
    "type.incident": "Incident", "type.helpdesk_support": "Helpdesk support", "type.feature_request": "Feature request",
    "type.question": "Question", "type.general_request": "General request",
    "priority.low": "Low", "priority.normal": "Normal", "priority.high": "High", "priority.urgent": "Urgent",
    "visibility.organization": "My organization", "visibility.private": "Only me (and people I share it with)",
    "status.new": "New", "status.open": "Open", "status.in_progress": "In progress", "status.awaiting_customer": "Awaiting your reply",
    "status.resolved": "Resolved", "status.closed": "Closed",
    "ticket.type": "Type", "ticket.priority": "Priority", "ticket.status": "Status", "ticket.created": "Created",
    "ticket.visibility": "Visibility", "ticket.history": "History", "ticket.addNote": "Add a note",
    "ticket.noteTitle": "Title (optional)", "ticket.noteText": "Text", "ticket.notify": "Also notify (addresses separated by semicolons)",
    "ticket.send": "Add note", "ticket.close": "Close the ticket", "ticket.reopen": "Reopen the ticket",
    "ticket.noteAdded": "Note added.", "ticket.closed": "Ticket closed.", "ticket.reopened": "Ticket reopened.",
    "event.created": "Ticket opened", "event.note": "Note", "event.status_changed": "Status: {from} → {to}",
    "event.priority_changed": "Priority: {from} → {to}", "event.escalated": "Escalated to {group}",
    "event.visibility_changed": "Visibility changed", "event.participant_added": "Shared with {email}",
    "event.participant_removed": "No longer shared with {email}", "event.attachment_added": "File added: {file}",
    "event.internal": "Internal note (support only)",
    "guest.title": "Submit a request without an account", "guest.name": "Your name", "guest.email": "Email",
    "guest.phone": "Phone", "guest.urgency": "Urgency", "guest.urgent": "Urgent", "guest.notUrgent": "Not urgent",
    "guest.category": "Category", "guest.company": "Company name", "guest.product": "Product or application",
    "guest.serial": "Serial number or remote-support id", "guest.description": "Description",
    "guest.subject": "Title (optional: the first line of the description otherwise)", "guest.website": "Leave this empty",
    "guest.submit": "Send request", "guest.checking": "Checking you are not a robot…",
    "guest.sent": "Thank you. Check your email: we sent you the ticket number and a private link to follow it.",
    "access.title": "Check on an existing ticket", "access.key": "Access key (from the link in your email)",
    "access.open": "Open the ticket",
    "required": "(required)", "error.generic": "Something went wrong: {detail}", "error.network": "The service cannot be reached; check your connection and try again.",
    "error.400": "The request was refused; check what you entered and try again.",
    "error.401": "The email or password is wrong, or your session ended; sign in again.",
    "error.403": "You may not do this with your account.",
    "error.404": "Not found: the link or key may be wrong or expired, or you may not see this ticket.",
    "error.409": "Someone changed this in the meantime; reload the page and try again.",
    "error.413": "This is too large; shorten the text or choose a smaller file.",
    "error.422": "Something you entered is not valid; check the fields and try again.",
    "error.429": "Too many attempts; wait {seconds} seconds and try again.",
    "error.503": "The service is briefly unavailable; try again in a moment.",
    "loading": "Loading…", "signout.done": "You are signed out.",
    "nav.profile": "Profile", "nav.password": "Change password",
    "forgot.title": "Forgot your password?", "forgot.help": "Enter your email: if an account exists, we send it a link to choose a new password.",
    "forgot.submit": "Send the link",
    "reset.title": "Choose a new password", "reset.password": "New password (at least 10 characters)", "reset.confirm": "Confirm the new password",
    "reset.submit": "Save the password", "reset.done": "Your password is set. Sign in with it.",
    "invite.title": "Accept your invitation", "invite.first": "First name", "invite.last": "Last name", "invite.submit": "Create my account",
    "confirmEmail.title": "Confirm your new email address", "confirmEmail.done": "Your email address is now {email}.",
    "password.title": "Change password", "password.current": "Current password", "password.new": "New password (at least 10 characters)",
    "password.confirm": "Confirm the new password", "password.submit": "Change password", "password.done": "Your password is changed. Other devices are signed out.",
    "profile.title": "Profile", "profile.prefix": "Prefix", "profile.first": "First name", "profile.last": "Last name", "profile.jobTitle": "Title",
    "profile.office": "Office phone", "profile.extension": "Extension", "profile.mobile": "Mobile", "profile.email": "Email",
    "profile.currentPassword": "Current password (needed to change the email)", "profile.language": "Language",
    "profile.landing": "Show the landing page after sign-in", "profile.notify": "Email me when my tickets are updated",
    "support.title": "Support queue", "support.assignee": "Assigned to", "support.me": "Me", "support.nobody": "Nobody", "support.anyone": "Anyone",
    "support.priority": "Priority", "support.any": "Any", "support.waiting": "Waiting since", "support.empty": "Nothing waiting. Well done.",
    "support.internal": "Internal note (support only)", "support.update": "Update the ticket",
    "support.group": "Escalate to group", "support.updated": "Ticket updated.",
    "support.organization": "Organization", "support.anyOrganization": "Any organization", "support.meNamed": "{name} (me)",
    "ticket.requester": "Requester", "ticket.organization": "Organization", "ticket.assignee": "Assigned to",
    "person.guest": "Guest (no account)", "person.support": "Support", "person.unknown": "Someone",
    "event.assigned_to": "Assigned to {name}", "event.unassigned": "No longer assigned",
    "attach.title": "Attachments", "attach.file": "Add a file (up to 25 MB)", "attach.upload": "Upload", "attach.progress": "Uploading {name}",
    "attach.done": "{name} uploaded; it appears in the history once checked.", "attach.download": "Download {name}",
    "share.title": "Share", "share.emails": "Share with (addresses separated by semicolons)", "share.submit": "Share",
    "share.done": "Shared.", "share.remove": "Stop sharing with {email}", "share.removed": "No longer shared with {email}.", "share.visibility": "Visibility", "share.setVisibility": "Change visibility",
    "profile.save": "Save", "profile.saved": "Profile saved.", "profile.pending": "We sent a link to {email}: the new address takes effect once you confirm it.",
  },
  fr: {
    skip: "Aller au contenu", language: "Langue", brand: "Centre de support",
    "nav.home": "Accueil", "nav.mine": "Mes tickets", "nav.new": "Nouveau ticket", "nav.support": "File du support",
    "nav.signin": "Se connecter", "nav.signout": "Se déconnecter", "nav.guest": "Demande sans compte", "nav.access": "Suivre un ticket",
    "home.title": "Centre de support", "home.create": "Créer un ticket", "home.mine": "Voir mes tickets", "home.search": "Rechercher dans tous les tickets", "home.announcements": "Annonces", "new.files": "Pièces jointes (facultatives, 25 Mo maximum chacune)",
    "home.anonymous": "Connectez-vous pour ouvrir et suivre vos tickets, ou envoyez une demande sans compte.",
    "signin.title": "Connexion", "signin.email": "E-mail", "signin.password": "Mot de passe", "signin.submit": "Se connecter",
    "signin.forgot": "Mot de passe oublié ?",
    "list.title": "Tickets", "list.scope": "Afficher", "list.mine": "Mes tickets", "list.organization": "Tickets de l'organisation",
    "list.status": "Statut", "list.open": "Ouverts", "list.completed": "Terminés récemment", "list.all": "Tous",
    "list.search": "Rechercher (mots du titre ou numéro de ticket)", "list.apply": "Afficher les tickets", "list.more": "Plus",
    "list.empty": "Aucun ticket ici pour l'instant. Créez-en un avec « Nouveau ticket ».",
    "col.number": "Numéro", "col.title": "Titre", "col.status": "Statut", "col.created": "Créé", "col.updated": "Mis à jour",
    "new.title": "Nouveau ticket", "new.type": "Type de demande", "new.priority": "Priorité", "new.subject": "Titre",
    "new.description": "Description", "new.product": "Produit", "new.serial": "Numéro de série ou identifiant de télémaintenance",
    "new.visibility": "Qui peut le voir", "new.save": "Enregistrer", "new.saveAnother": "Enregistrer et en créer un autre", "new.cancel": "Annuler",
    "new.saved": "Ticket {number} créé.",
    "type.incident": "Incident", "type.helpdesk_support": "Support helpdesk", "type.feature_request": "Demande d'évolution",
    "type.question": "Question", "type.general_request": "Demande générale",
    "priority.low": "Basse", "priority.normal": "Normale", "priority.high": "Haute", "priority.urgent": "Urgente",
    "visibility.organization": "Mon organisation", "visibility.private": "Moi seul (et les personnes avec qui je le partage)",
    "status.new": "Nouveau", "status.open": "Ouvert", "status.in_progress": "En cours", "status.awaiting_customer": "En attente de votre réponse",
    "status.resolved": "Résolu", "status.closed": "Fermé",
    "ticket.type": "Type", "ticket.priority": "Priorité", "ticket.status": "Statut", "ticket.created": "Créé",
    "ticket.visibility": "Visibilité", "ticket.history": "Historique", "ticket.addNote": "Ajouter une note",
    "ticket.noteTitle": "Titre (facultatif)", "ticket.noteText": "Texte", "ticket.notify": "Prévenir aussi (adresses séparées par des points-virgules)",
    "ticket.send": "Ajouter la note", "ticket.close": "Fermer le ticket", "ticket.reopen": "Rouvrir le ticket",
    "ticket.noteAdded": "Note ajoutée.", "ticket.closed": "Ticket fermé.", "ticket.reopened": "Ticket rouvert.",
    "event.created": "Ticket ouvert", "event.note": "Note", "event.status_changed": "Statut : {from} → {to}",
    "event.priority_changed": "Priorité : {from} → {to}", "event.escalated": "Transmis à {group}",
    "event.visibility_changed": "Visibilité modifiée", "event.participant_added": "Partagé avec {email}",
    "event.participant_removed": "N'est plus partagé avec {email}", "event.attachment_added": "Fichier ajouté : {file}",
    "event.internal": "Note interne (support uniquement)",
    "guest.title": "Envoyer une demande sans compte", "guest.name": "Votre nom", "guest.email": "E-mail",
    "guest.phone": "Téléphone", "guest.urgency": "Urgence", "guest.urgent": "Urgent", "guest.notUrgent": "Pas urgent",
    "guest.category": "Catégorie", "guest.company": "Nom de l'entreprise", "guest.product": "Produit ou application",
    "guest.serial": "Numéro de série ou identifiant de télémaintenance", "guest.description": "Description",
    "guest.subject": "Titre (facultatif : sinon la première ligne de la description)", "guest.website": "Laissez vide",
    "guest.submit": "Envoyer la demande", "guest.checking": "Vérification que vous n'êtes pas un robot…",
    "guest.sent": "Merci. Consultez vos e-mails : nous vous avons envoyé le numéro du ticket et un lien privé pour le suivre.",
    "access.title": "Suivre un ticket existant", "access.key": "Clé d'accès (du lien reçu par e-mail)",
    "access.open": "Ouvrir le ticket",
    "required": "(obligatoire)", "error.generic": "Une erreur est survenue : {detail}", "error.network": "Le service est injoignable ; vérifiez votre connexion et réessayez.",
    "error.400": "La demande a été refusée ; vérifiez votre saisie et réessayez.",
    "error.401": "L'e-mail ou le mot de passe est incorrect, ou votre session a pris fin ; reconnectez-vous.",
    "error.403": "Votre compte ne permet pas cette action.",
    "error.404": "Introuvable : le lien ou la clé est peut-être erroné ou expiré, ou ce ticket ne vous est pas accessible.",
    "error.409": "Quelqu'un a modifié ceci entre-temps ; rechargez la page et réessayez.",
    "error.413": "C'est trop volumineux ; raccourcissez le texte ou choisissez un fichier plus petit.",
    "error.422": "Une saisie n'est pas valide ; vérifiez les champs et réessayez.",
    "error.429": "Trop de tentatives ; attendez {seconds} secondes et réessayez.",
    "error.503": "Le service est momentanément indisponible ; réessayez dans un instant.",
    "loading": "Chargement…", "signout.done": "Vous êtes déconnecté(e).",
    "nav.profile": "Profil", "nav.password": "Changer le mot de passe",
    "forgot.title": "Mot de passe oublié ?", "forgot.help": "Saisissez votre e-mail : si un compte existe, nous lui envoyons un lien pour choisir un nouveau mot de passe.",
    "forgot.submit": "Envoyer le lien",
    "reset.title": "Choisir un nouveau mot de passe", "reset.password": "Nouveau mot de passe (au moins 10 caractères)", "reset.confirm": "Confirmez le nouveau mot de passe",
    "reset.submit": "Enregistrer le mot de passe", "reset.done": "Votre mot de passe est enregistré. Connectez-vous avec.",
    "invite.title": "Accepter votre invitation", "invite.first": "Prénom", "invite.last": "Nom", "invite.submit": "Créer mon compte",
    "confirmEmail.title": "Confirmer votre nouvelle adresse e-mail", "confirmEmail.done": "Votre adresse e-mail est désormais {email}.",
    "password.title": "Changer le mot de passe", "password.current": "Mot de passe actuel", "password.new": "Nouveau mot de passe (au moins 10 caractères)",
    "password.confirm": "Confirmez le nouveau mot de passe", "password.submit": "Changer le mot de passe", "password.done": "Votre mot de passe est changé. Les autres appareils sont déconnectés.",
    "profile.title": "Profil", "profile.prefix": "Civilité", "profile.first": "Prénom", "profile.last": "Nom", "profile.jobTitle": "Fonction",
    "profile.office": "Téléphone du bureau", "profile.extension": "Poste", "profile.mobile": "Mobile", "profile.email": "E-mail",
    "profile.currentPassword": "Mot de passe actuel (nécessaire pour changer l'e-mail)", "profile.language": "Langue",
    "profile.landing": "Afficher la page d'accueil après la connexion", "profile.notify": "M'écrire quand mes tickets sont mis à jour",
    "support.title": "File du support", "support.assignee": "Attribué à", "support.me": "Moi", "support.nobody": "Personne", "support.anyone": "N'importe qui",
    "support.priority": "Priorité", "support.any": "Toutes", "support.waiting": "En attente depuis", "support.empty": "Rien en attente. Bravo.",
    "support.internal": "Note interne (support uniquement)", "support.update": "Mettre à jour le ticket",
    "support.group": "Transmettre au groupe", "support.updated": "Ticket mis à jour.",
    "support.organization": "Organisation", "support.anyOrganization": "Toutes les organisations", "support.meNamed": "{name} (moi)",
    "ticket.requester": "Demandeur", "ticket.organization": "Organisation", "ticket.assignee": "Attribué à",
    "person.guest": "Invité (sans compte)", "person.support": "Support", "person.unknown": "Quelqu'un",
    "event.assigned_to": "Attribué à {name}", "event.unassigned": "N'est plus attribué",
    "attach.title": "Pièces jointes", "attach.file": "Ajouter un fichier (25 Mo maximum)", "attach.upload": "Envoyer", "attach.progress": "Envoi de {name}",
    "attach.done": "{name} envoyé ; il apparaît dans l'historique une fois vérifié.", "attach.download": "Télécharger {name}",
    "share.title": "Partager", "share.emails": "Partager avec (adresses séparées par des points-virgules)", "share.submit": "Partager",
    "share.done": "Partagé.", "share.remove": "Ne plus partager avec {email}", "share.removed": "N'est plus partagé avec {email}.", "share.visibility": "Visibilité", "share.setVisibility": "Changer la visibilité",
    "profile.save": "Enregistrer", "profile.saved": "Profil enregistré.", "profile.pending": "Nous avons envoyé un lien à {email} : la nouvelle adresse s'appliquera une fois confirmée.",
  },
};

export const languages = Object.keys(catalogs);

export function language() {
  const saved = localStorage.getItem("sd-language");
  return languages.includes(saved) ? saved : "en";
}

export function setLanguage(code) {
  if (languages.includes(code)) localStorage.setItem("sd-language", code);
}

/** Whether the catalogs have `key`. */
export function hasText(key) {
  return key in catalogs.en;
}

/** The text of `key` in the current language, `{name}` filled from `args`. */
export function t(key, args = {}) {
  const text = catalogs[language()][key] ?? catalogs.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(language(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** For tests: every key must exist in every language. */
export function missingKeys() {
  const keys = new Set(Object.values(catalogs).flatMap((c) => Object.keys(c)));
  return languages.flatMap((l) => [...keys].filter((k) => !(k in catalogs[l])).map((k) => `${l}:${k}`));
}
