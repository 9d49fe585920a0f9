/**
 * Encrypted values are bound to their row and column (AES-GCM additional
 * data), so a ciphertext copied to another row or column does not decrypt.
 * Every module lists its encrypted columns for the re-encrypt command.
 */
export interface EncryptedColumn {
  table: string;
  column: string;
}

export const encryptionContext = (table: string, column: string, id: string): string => `${table}.${column}:${id}`;
