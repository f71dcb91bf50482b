export interface Config {
  scaffolder?: {
    /** Settings of the Apigee credentials scaffolder module. */
    apigeeCredentials?: {
      /**
       * Directory where `apigee:catalog:publish-local` writes catalog files
       * (`<directory>/<namespace>/<name>/catalog-info.yaml`), for portals without a git host.
       * Relative paths start at the backend's working directory, as catalog file locations do.
       * The catalog must read it through a `file` location whose target globs the
       * `catalog-info.yaml` two levels below it (see the module README).
       * When unset, the action fails with a clear error.
       */
      localCatalogDirectory?: string;
    };
  };
}
