import { redirect } from 'next/navigation'

// The app is its account pages: /admin sends signed-out visitors on to /login.
export default function Home(): never {
  redirect('/admin')
}
