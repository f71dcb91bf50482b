export interface Config {
  apigeeCredentials?: {
    /**
     * Where the entity tab links for what to do about drift, failed rotations,
     * misconfigured and unverified bindings. Defaults to the backend plugin's operator
     * runbook.
     * @visibility frontend
     */
    runbookUrl?: string;
  };
}
