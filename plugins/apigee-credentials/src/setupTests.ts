import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// The whole test suite runs on two shared cores next to database and backend tests; a full
// app render then takes seconds, well past Testing Library's default of 1 s for `findBy*`.
configure({ asyncUtilTimeout: 10_000 });
jest.setTimeout(30_000);
