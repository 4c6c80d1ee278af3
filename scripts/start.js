// `npm start`: install what is missing, build, and serve the app on http://127.0.0.1:5173.
import { ensureDependencies, must } from './setup.js';

ensureDependencies();
console.log('Building…');
must('npx', ['vite', 'build', '--logLevel', 'warn'], 'The build');
const { serve } = await import('./serve.js');
const port = Number(process.env.PORT ?? 5173);
try {
	await serve({ root: 'build', port, host: process.env.HOST ?? '127.0.0.1' });
} catch (error) {
	console.error(`Could not serve on port ${port}: ${error.message}. Set PORT to use another port.`);
	process.exit(1);
}
