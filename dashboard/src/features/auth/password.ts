/** The server's minimum password length (422 below it); the forms check it before sending. */
export const MIN_PASSWORD_LENGTH = 8;
