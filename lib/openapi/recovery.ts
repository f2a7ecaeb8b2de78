// Recovery by mail: verifying an address, resetting a password.
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { EmailVerificationConfirmSchema, PasswordResetConfirmSchema, PasswordResetRequestSchema } from '../credentials/validation'
import { ProblemSchema, json, noContent, operation, problem, retryAfter } from './operation'

export const recoveryPaths: ZodOpenApiPathsObject = {
  '/api/users/me/email-verification': {
    post: operation({
      id: 'resendEmailVerification',
      summary: 'Mail a new verification link to your email',
      description: 'The previous link stops working.',
      tags: ['recovery'],
      access: 'session',
      method: 'post',
      responses: {
        '202': { description: 'The link is on its way.', ...json(ProblemSchema) },
        '409': problem('No email address, or it is already verified.'),
        '429': { description: 'Too many verification mails for this account in a window.', headers: retryAfter, ...json(ProblemSchema) },
        '503': problem('This server sends no mail, or the database is out of reach.'),
      },
    }),
  },
  '/api/password-reset': {
    post: operation({
      id: 'requestPasswordReset',
      summary: 'Mail a password reset link',
      description:
        'By `email` or `username`. The same answer, in the same time, whether the account exists or not. ' +
        'A link goes only to a verified email of an enabled account that is not an admin (admins recover from a terminal); it is valid 30 minutes, once, and a new request voids the older link.',
      tags: ['recovery'],
      access: 'anyone',
      method: 'post',
      body: PasswordResetRequestSchema,
      responses: {
        '202': { description: 'If the account exists, a message is on its way.', ...json(ProblemSchema) },
        '429': { description: 'Too many requests from this address or for this account.', headers: retryAfter, ...json(ProblemSchema) },
        '503': problem('This server sends no mail (ask an administrator for a reset link), or the database is out of reach.'),
      },
    }),
  },
  '/api/password-reset/confirm': {
    post: operation({
      id: 'confirmPasswordReset',
      summary: 'Set a new password with a reset link',
      tags: ['recovery'],
      access: 'anyone',
      method: 'post',
      body: PasswordResetConfirmSchema,
      responses: {
        '204': noContent('Set. Every session and personal access token of the user has ended; the lock-out is lifted.'),
        '400': problem('Invalid or expired reset link.'),
      },
    }),
  },
  '/api/email-verification/confirm': {
    post: operation({
      id: 'confirmEmailVerification',
      summary: 'Verify an email address with the mailed link',
      tags: ['recovery'],
      access: 'anyone',
      method: 'post',
      body: EmailVerificationConfirmSchema,
      responses: { '204': noContent('Verified.'), '400': problem('Invalid or expired verification link.') },
    }),
  },
}
