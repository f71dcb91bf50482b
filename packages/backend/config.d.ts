export interface Config {
  /** Settings of this portal's own backend wiring. */
  portal?: {
    permissions?: {
      /**
       * Entity refs (users or groups) that may rotate any Apigee credential,
       * e.g. `group:default/platform-admins`. Owners may always rotate their own.
       */
      adminEntityRefs?: string[];
    };
  };
}
