// The authoritative Italian texts of the national questionnaires (shared/domain/questionnaires.md),
// written out here on purpose: the tests check the widget shows these exact words, so a change in
// the catalog or the widget that alters them fails here, as it would fail the national checker.

export const star = (n) => `Valuta ${n} stelle su 5`;
export const STAR_GROUP = 'Valuta da 1 a 5 stelle la pagina';

export const NEGATIVE = {
  question: 'Dove hai incontrato le maggiori difficoltà?',
  answers: {
    'indicazioni-non-chiare': 'A volte le indicazioni non erano chiare',
    'indicazioni-non-complete': 'A volte le indicazioni non erano complete',
    'non-capivo-se-procedevo': 'A volte non capivo se stavo procedendo correttamente',
    'problemi-tecnici': 'Ho avuto problemi tecnici',
    altro: 'Altro',
  },
};

export const POSITIVE = {
  question: 'Quali sono stati gli aspetti che hai preferito?',
  answers: {
    'indicazioni-chiare': 'Le indicazioni erano chiare',
    'indicazioni-complete': 'Le indicazioni erano complete',
    'capivo-come-procedere': 'Capivo sempre che stavo procedendo correttamente',
    'nessun-problema-tecnico': 'Non ho avuto problemi tecnici',
    altro: 'Altro',
  },
};

export const DETAILS = {
  question: 'Vuoi aggiungere altri dettagli?',
  label: 'Dettaglio',
  hint: 'Inserire massimo 200 caratteri',
};

export const CONFIRMATION = 'Grazie, il tuo parere ci aiuterà a migliorare il servizio!';

export const CHIAREZZA = {
  id: 'chiarezza-pagina',
  version: 1,
  title: 'Quanto sono chiare le informazioni su questa pagina?',
};

export const FACILITA = {
  id: 'facilita-servizio',
  version: 1,
  title: 'Quanto è stato facile usare questo servizio?',
};

export const MODULE = {
  invitation: 'Hai ancora un minuto? Rispondi a tre domande per aiutarci a confrontare i servizi pubblici.',
  esito: { question: 'Sei riuscito a fare quello che ti serviva?', answers: { si: 'Sì', 'in-parte': 'In parte', no: 'No' } },
  soddisfazione: 'Nel complesso, quanto sei soddisfatto di questo servizio?',
  fiducia: (ente) => `Quanto sei d'accordo con questa frase? «Questa esperienza ha migliorato la mia fiducia in ${ente}».`,
};

/** The widget's own words (widget/src/i18n.rs), Italian. */
export const UI = {
  next: 'Avanti',
  back: 'Indietro',
  send: 'Invia',
  accept: 'Rispondi',
  skip: 'Salta e invia',
  retry: 'Riprova',
  unavailable: 'Il questionario di valutazione non è disponibile su questa pagina.',
  personalData: 'Sembra che tu abbia scritto dati personali',
};

/** Which questionnaire each pilot service answers (examples/registry/pilot.toml + the catalog). */
export const SERVICES = {
  'inps-naspi': { questionnaire: FACILITA, body: 'INPS' },
  'inail-denuncia-infortunio-info': { questionnaire: CHIAREZZA, body: 'INAIL' },
  'roma-carta-identita': { questionnaire: CHIAREZZA, body: 'Roma Capitale' },
};
