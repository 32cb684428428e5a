// ADMIN_EMAILS bootstraps the first administrators, but only for the proven owner of such an
// address (a followed verification or reset link, an accepted invitation): registering or
// inviting an address alone never makes an admin.
export class EmailOwners {
  constructor(private readonly adminEmails: string[]) {}

  /** Whether proving `email` makes its account an admin. */
  grantsAdmin(email: string): boolean {
    return this.adminEmails.includes(email.toLowerCase());
  }
}
